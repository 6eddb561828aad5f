-- The feature vector of every eligible customer as of int_as_of_date: RFM and
-- engagement side by side, with no nulls, ready for scaling and clustering.
-- "Never" is counted from signup: a customer who never ordered (or never visited)
-- has recency_days (or days_since_last_visit) = tenure_days.
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
        rfm.tenure_days,
        rfm.refund_rate,

        -- visits
        engagement.sessions_30d,
        engagement.sessions_90d,
        engagement.page_views_30d,
        engagement.page_views_90d,
        coalesce(engagement.days_since_last_visit, rfm.tenure_days) as days_since_last_visit,

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
