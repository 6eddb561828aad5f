-- The feature vector of every eligible customer as of int_as_of_date: RFM and
-- engagement side by side, ready for scaling and clustering. No nulls except ratios
-- that are undefined (typical_order_value without a priced order, per-session ratios
-- without a session); scaling imputes those with the median. "Never" is counted from
-- signup: a customer who never ordered (never visited, never did either) has
-- recency_days (days_since_last_visit, days_since_last_activity) = tenure_days.
with

rfm as (

    select * from {{ ref('customer_rfm') }}

),

engagement as (

    select * from {{ ref('customer_engagement') }}

),

final as (

    select
        -- ids
        rfm.customer_id,

        -- dates
        rfm.as_of_date,

        -- orders
        coalesce(rfm.recency_days, rfm.tenure_days) as recency_days,
        rfm.frequency,
        cast(rfm.monetary as double) as monetary,
        rfm.avg_order_value,
        rfm.typical_order_value,
        rfm.tenure_days,
        rfm.refund_rate,
        case when rfm.frequency >= 2 then 1 else 0 end as is_repeat_customer,
        {{ orders_per_active_month(
            'rfm.frequency', 'engagement.first_activity_date', 'engagement.last_activity_date'
        ) }} as orders_per_active_month,

        -- orders, last 90 days
        rfm.orders_90d,
        rfm.typical_order_value_90d,

        -- visits
        engagement.sessions_30d,
        engagement.sessions_90d,
        engagement.page_views_30d,
        engagement.page_views_90d,
        coalesce(engagement.days_since_last_visit, rfm.tenure_days) as days_since_last_visit,
        coalesce(
            {{ days_between('engagement.last_activity_date', 'rfm.as_of_date') }}, rfm.tenure_days
        ) as days_since_last_activity,
        engagement.sessions_per_month,
        engagement.events_per_session,
        engagement.funnel_actions_per_session,

        -- shopping funnel, last 90 days
        engagement.product_views_90d,
        engagement.add_to_carts_90d,
        engagement.checkouts_90d,
        engagement.cart_to_order_rate,

        -- score
        engagement.engagement_score

    from rfm
    inner join engagement
        on rfm.customer_id = engagement.customer_id

)

select * from final
