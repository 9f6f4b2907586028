-- Shopping funnel per day over the last 30 days: sessions that viewed, then added to cart, then purchased
-- One row per event date (day, from occurred_at), newest first. The unit is a session per day: session_id, or for
-- events without one, the person (user_id, else 'anon#' || anonymous_id) on that day. Steps are
-- cumulative: carted = sessions with a product_view AND an add_to_cart; purchased = sessions with
-- all three. Ratios are doubles (NULL when the step before is 0), rounded to 4 decimals; CAST to
-- DOUBLE because Trino divides integers as integers. Window: occurred_at on or after today - 30 days,
-- read from the receipt-time partitions (dt) from today - 31 days on, in events_unique (see daily_active_users.sql).
WITH sessions AS (
  SELECT
    CAST(CAST(occurred_at AS DATE) AS VARCHAR) AS day,
    coalesce(session_id, 'user#' || coalesce(user_id, 'anon#' || anonymous_id)) AS session_key,
    max(CASE WHEN event_type = 'product_view' THEN 1 ELSE 0 END) AS viewed,
    max(CASE WHEN event_type = 'add_to_cart' THEN 1 ELSE 0 END) AS carted,
    max(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchased
  FROM events_unique
  WHERE dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND occurred_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
    AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
  GROUP BY 1, 2
),
steps AS (
  SELECT
    day,
    count(*) AS sessions,
    sum(viewed) AS viewed,
    sum(viewed * carted) AS carted,
    sum(viewed * carted * purchased) AS purchased
  FROM sessions
  GROUP BY day
)
SELECT
  day,
  sessions,
  viewed,
  carted,
  purchased,
  round(CAST(carted AS DOUBLE) / NULLIF(viewed, 0), 4) AS view_to_cart,
  round(CAST(purchased AS DOUBLE) / NULLIF(carted, 0), 4) AS cart_to_purchase,
  round(CAST(purchased AS DOUBLE) / NULLIF(viewed, 0), 4) AS view_to_purchase
FROM steps
ORDER BY day DESC
