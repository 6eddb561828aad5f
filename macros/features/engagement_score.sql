{#-
    Engagement from 0 to 100, a fixed formula (no data-dependent scaling, so a score
    means the same thing every month):
      100 * (0.4 * visit recency + 0.3 * visit frequency + 0.3 * shopping depth)
    visit recency   = max(0, 1 - days_since_last_visit / 90); 0 without any visit
    visit frequency = min(sessions_90d, 12) / 12            (weekly visits saturate)
    shopping depth  = min(product_views + 2 * add_to_carts + 3 * checkouts, 30) / 30,
                      counted over the last 90 days
-#}
{% macro engagement_score(
    days_since_last_visit, sessions_90d, product_views_90d, add_to_carts_90d, checkouts_90d
) -%}
    100.0 * (
        0.4 * coalesce(greatest(0.0, 1.0 - cast({{ days_since_last_visit }} as double) / 90.0), 0.0)
        + 0.3 * least(cast({{ sessions_90d }} as double), 12.0) / 12.0
        + 0.3 * least(
            cast({{ product_views_90d }} + 2 * {{ add_to_carts_90d }} + 3 * {{ checkouts_90d }} as double),
            30.0
        ) / 30.0
    )
{%- endmacro %}
