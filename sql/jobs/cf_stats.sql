-- Collaborative filtering run statistics (one row), read by the validation gate
-- input_*: the window's interactions (cf_window_interactions.sql): distinct events, users, items, and
-- the newest time on the window's clock as epoch ms (freshness; window_max_received_ms is received_at
-- for the live runs, occurred_at for an as-of replay). state_*: the state this run wrote (cf_state,
-- run = runId). output_rows, items_with_neighbours, min_score, max_score: the similarity result,
-- recomputed here with cf_similarity.sql (Athena cannot read the step's JSON output as a table).
-- active_items: items of the state with an interaction in the activeDays days before the newest
-- event of the state (relative to the data, not the clock, so imported history has active items).
-- null_ids: state rows or similarity rows with a NULL id (must be 0). self_neighbours: similarity rows
-- whose neighbour is the item itself (must be 0). max_score: the model scales its best pair to 1.
-- With the EASE model, cf_vectors_pairs.sql is rendered in place of cf_similarity (job-sql.ts): the gate
-- then checks one row per head item the publish step's solve can give neighbours.
WITH window_interactions AS (
  {{include:cf_window_interactions}}
),
similarity AS (
  {{include:cf_similarity}}
),
input_stats AS (
  SELECT
    count(DISTINCT event_id) AS input_events,
    count(DISTINCT user_key) AS input_users,
    count(DISTINCT item_id) AS input_items,
    date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00', max(window_at)) AS window_max_received_ms
  FROM window_interactions
),
state AS (
  SELECT user_key, item_id, last_event_at
  FROM cf_state
  WHERE run = {{runId}}
),
item_activity AS (
  SELECT item_id, max(last_event_at) AS last_event_at
  FROM state
  WHERE item_id IS NOT NULL
  GROUP BY item_id
),
state_stats AS (
  SELECT
    count(DISTINCT user_key) AS state_users,
    count(DISTINCT item_id) AS state_items,
    sum(CASE WHEN user_key IS NULL OR item_id IS NULL THEN 1 ELSE 0 END) AS state_null_ids
  FROM state
),
active_stats AS (
  SELECT count(*) AS active_items
  FROM item_activity
  WHERE last_event_at > (SELECT max(last_event_at) FROM item_activity) - INTERVAL '{{activeDays}}' DAY
),
output_stats AS (
  SELECT
    count(*) AS output_rows,
    count(DISTINCT item_id) AS items_with_neighbours,
    sum(CASE WHEN item_id IS NULL OR neighbour_id IS NULL THEN 1 ELSE 0 END) AS output_null_ids,
    sum(CASE WHEN item_id = neighbour_id THEN 1 ELSE 0 END) AS self_neighbours,
    min(score) AS min_score,
    max(score) AS max_score
  FROM similarity
)
SELECT
  i.input_events,
  i.input_users,
  i.input_items,
  i.window_max_received_ms,
  s.state_users,
  s.state_items,
  o.output_rows,
  o.items_with_neighbours,
  a.active_items,
  CAST(coalesce(s.state_null_ids, 0) + coalesce(o.output_null_ids, 0) AS BIGINT) AS null_ids,
  CAST(coalesce(o.self_neighbours, 0) AS BIGINT) AS self_neighbours,
  o.min_score,
  o.max_score
FROM input_stats AS i
CROSS JOIN state_stats AS s
CROSS JOIN active_stats AS a
CROSS JOIN output_stats AS o
