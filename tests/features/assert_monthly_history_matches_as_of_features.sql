-- customer_features_monthly and customer_features compute the same features in two
-- different ways (running totals over months vs one aggregate as of a date). When
-- as_of_date is a month end, the history's last month must equal customer_features
-- for every customer and column: fails with the customers that differ. Returns
-- nothing when as_of_date is not a month end.
{%- set columns = [
    'recency_days', 'frequency', 'monetary', 'avg_order_value', 'typical_order_value',
    'tenure_days', 'refund_rate', 'is_repeat_customer', 'orders_per_active_month',
    'orders_90d', 'typical_order_value_90d',
    'sessions_30d', 'sessions_90d', 'page_views_30d', 'page_views_90d',
    'days_since_last_visit', 'days_since_last_activity', 'sessions_per_month', 'events_per_session',
    'funnel_actions_per_session', 'product_views_90d', 'add_to_carts_90d', 'checkouts_90d',
    'cart_to_order_rate', 'engagement_score'
] %}
with

as_of_features as (

    select * from {{ ref('customer_features') }}
    where as_of_date = cast({{ dbt.last_day('as_of_date', 'month') }} as date)

),

as_of_dates as (

    select distinct as_of_date from as_of_features

),

history as (

    select monthly.*
    from {{ ref('customer_features_monthly') }} as monthly
    inner join as_of_dates
        on monthly.month_end = as_of_dates.as_of_date

)

select
    coalesce(as_of_features.customer_id, history.customer_id) as customer_id,
    as_of_features.customer_id is null as missing_as_of,
    history.customer_id is null as missing_in_history
from as_of_features
full outer join history
    on as_of_features.customer_id = history.customer_id
where
    as_of_features.customer_id is null
    or history.customer_id is null
    {%- for column in columns %}
        or (as_of_features.{{ column }} is null) != (history.{{ column }} is null)
        or abs(as_of_features.{{ column }} - history.{{ column }})
        > 1e-9 * greatest(1.0, abs(as_of_features.{{ column }}))
    {%- endfor %}
