-- Web and app engagement of every eligible customer as of int_as_of_date: sessions
-- and page views in the last 30 and 90 days (the days ending with as_of_date), the
-- shopping funnel over 90 days, days since the last visit and an engagement score
-- (formula in the macro engagement_score).
with

customers as (

    select
        customer_id,
        as_of_date,
        tenure_days
    from {{ ref('customer_rfm') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_aggregated_to_days') }}

),

customer_activity_days as (

    select
        activity_days.*,
        activity_days.activity_date > {{ add_days('customers.as_of_date', -30) }} as is_last_30d,
        activity_days.activity_date > {{ add_days('customers.as_of_date', -90) }} as is_last_90d
    from activity_days
    inner join customers
        on activity_days.customer_id = customers.customer_id

),

activity_totals as (

    select
        customer_id,
        sum(case when is_last_30d then sessions_started else 0 end) as sessions_30d,
        sum(case when is_last_90d then sessions_started else 0 end) as sessions_90d,
        sum(case when is_last_30d then page_views else 0 end) as page_views_30d,
        sum(case when is_last_90d then page_views else 0 end) as page_views_90d,
        sum(case when is_last_90d then product_views else 0 end) as product_views_90d,
        sum(case when is_last_90d then add_to_carts else 0 end) as add_to_carts_90d,
        sum(case when is_last_90d then checkouts else 0 end) as checkouts_90d,
        sum(case when is_last_90d then cart_sessions_started else 0 end) as cart_sessions_90d,
        sum(case when is_last_90d then completed_orders else 0 end) as completed_orders_90d,
        max(case when events > 0 then activity_date end) as last_visit_date,
        -- lifetime, up to as_of_date
        sum(events) as events,
        sum(sessions_started) as sessions,
        sum(add_to_carts + checkouts) as funnel_actions,
        min(activity_date) as first_activity_date,
        max(activity_date) as last_activity_date
    from customer_activity_days
    group by customer_id

),

counts as (

    select
        customers.customer_id,
        customers.as_of_date,
        customers.tenure_days,
        activity_totals.last_visit_date,
        activity_totals.first_activity_date,
        activity_totals.last_activity_date,
        cast(coalesce(activity_totals.events, 0) as integer) as events,
        cast(coalesce(activity_totals.sessions, 0) as integer) as sessions,
        cast(coalesce(activity_totals.funnel_actions, 0) as integer) as funnel_actions,
        cast(coalesce(activity_totals.sessions_30d, 0) as integer) as sessions_30d,
        cast(coalesce(activity_totals.sessions_90d, 0) as integer) as sessions_90d,
        cast(coalesce(activity_totals.page_views_30d, 0) as integer) as page_views_30d,
        cast(coalesce(activity_totals.page_views_90d, 0) as integer) as page_views_90d,
        cast(coalesce(activity_totals.product_views_90d, 0) as integer) as product_views_90d,
        cast(coalesce(activity_totals.add_to_carts_90d, 0) as integer) as add_to_carts_90d,
        cast(coalesce(activity_totals.checkouts_90d, 0) as integer) as checkouts_90d,
        cast(coalesce(activity_totals.cart_sessions_90d, 0) as integer) as cart_sessions_90d,
        cast(coalesce(activity_totals.completed_orders_90d, 0) as integer)
            as completed_orders_90d
    from customers
    left join activity_totals
        on customers.customer_id = activity_totals.customer_id

),

final as (

    select
        -- ids
        customer_id,

        -- dates
        as_of_date,
        last_visit_date,
        first_activity_date,
        last_activity_date,

        -- visits
        sessions_30d,
        sessions_90d,
        page_views_30d,
        page_views_90d,
        {{ days_between('last_visit_date', 'as_of_date') }} as days_since_last_visit,

        -- visits, lifetime
        {{ per_month('sessions', 'tenure_days') }} as sessions_per_month,
        {{ per_session('events', 'sessions') }} as events_per_session,
        {{ per_session('funnel_actions', 'sessions') }} as funnel_actions_per_session,

        -- shopping funnel, last 90 days
        product_views_90d,
        add_to_carts_90d,
        checkouts_90d,
        cart_sessions_90d,
        completed_orders_90d,
        {{ cart_to_order_rate('completed_orders_90d', 'cart_sessions_90d') }} as cart_to_order_rate,

        -- score
        {{ engagement_score(
            days_between('last_visit_date', 'as_of_date'),
            'sessions_90d', 'product_views_90d', 'add_to_carts_90d', 'checkouts_90d'
        ) }} as engagement_score

    from counts

)

select * from final
