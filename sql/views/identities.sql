-- identities: which anonymous visitor became which user, one row per (anonymous_id, user_id) pair the events state
-- A pair is stated by any event that carries both ids (Segment identify at login, every call after it) and
-- by a Segment alias (its previousId, kept in properties, is the anonymous id). The feature store keeps the
-- FIRST link of an anonymous id (lambdas/shared/identity.ts); an id later stated with another user shows here
-- as a second row, and first_seen_at tells which came first. Join events on either column to follow a person
-- across the login: events.anonymous_id = identities.anonymous_id OR events.user_id = identities.user_id.
-- regexp_extract and nullif behave alike in Athena (Trino) and DuckDB, where the JSON functions do not.
SELECT
  anonymous_id,
  user_id,
  min(received_at) AS first_seen_at,
  max(received_at) AS last_seen_at,
  count(DISTINCT event_id) AS events
FROM (
  SELECT
    coalesce(
      anonymous_id,
      CASE
        WHEN event_type = 'custom' AND name = 'alias'
          THEN nullif(regexp_extract(properties, '"previousId"\s*:\s*"([^"]*)"', 1), '')
      END
    ) AS anonymous_id,
    user_id,
    received_at,
    event_id
  FROM events
) AS stated
WHERE anonymous_id IS NOT NULL AND user_id IS NOT NULL AND anonymous_id <> user_id
GROUP BY anonymous_id, user_id
