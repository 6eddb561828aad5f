-- One row per eligible customer and calendar day (UTC) with any order or event up to
-- as_of_date: the daily grain that engagement and the monthly feature history sum.
-- A session is counted on the day of its first event.
-- Incremental: the pre-hook deletes the customers whose days may change (named by a
-- load at or after the latest load counted here, a day newly in or out of range, no
-- longer eligible) and a run adds every eligible customer missing from the table.
-- With var customer_buckets above 1 it is built in that many parts of the customers,
-- one query each (post-hook), so that its aggregates stay within memory at scale.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_changed_activity_days() }}",
        post_hook="{{ insert_other_customer_buckets(ref('int_customers_filtered_to_eligible')) }}",
    )
}}
-- depends_on: {{ ref('base_raw__orders') }}, {{ ref('base_raw__events') }}

with

customers as (

    select eligible.customer_id
    from {{ ref('int_customers_filtered_to_eligible') }} as eligible
    {% if is_incremental() %}
        {{ join_stored_keys('eligible', ['customer_id']) }}
    {% endif %}
    where {{ in_customer_bucket('eligible.customer_id') }}
    {% if is_incremental() %}
        -- after the pre-hook: the customers missing from the table
        and {{ missing_from_this() }}
    {% endif %}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

orders as (

    select orders.*
    from {{ ref('int_orders_converted_to_usd') }} as orders
    where {{ in_customer_bucket('orders.customer_id') }}
    {% if is_incremental() %}
        -- (the order facts hold eligible customers only: a full build needs no filter)
        and orders.customer_id in (select customers.customer_id from customers)
    {% endif %}

),

events as (

    select
        events.customer_id,
        events.session_id,
        events.event_type,
        events.loaded_at,
        cast(events.occurred_at as date) as activity_date
    from {{ ref('stg_raw__events') }} as events
    inner join customers
        on events.customer_id = customers.customer_id
    cross join as_of
    where
        {{ in_customer_bucket('events.customer_id') }}
        and cast(events.occurred_at as date) <= as_of.as_of_date

),

order_days as (

    select
        orders.customer_id,
        orders.order_date as activity_date,
        sum(case when orders.is_completed then 1 else 0 end) as completed_orders,
        sum(case when orders.is_completed then orders.amount_usd else 0 end) as gross_revenue_usd,
        -sum(case when orders.is_refund then orders.amount_usd else 0 end) as refunded_revenue_usd,
        sum(
            case when orders.is_completed and orders.amount_usd > 0 then 1 else 0 end
        ) as priced_orders,
        sum(
            case
                when orders.is_completed and orders.amount_usd > 0
                    then {{ order_value_log('orders.amount_usd') }}
                else 0
            end
        ) as order_value_log_sum,
        min(case when orders.is_completed then orders.ordered_at end) as first_order_at,
        max(case when orders.is_completed then orders.ordered_at end) as last_order_at,
        max(orders.loaded_at) as last_loaded_at
    from orders
    cross join as_of
    where orders.order_date <= as_of.as_of_date
    group by orders.customer_id, orders.order_date

),

event_days as (

    select
        customer_id,
        activity_date,
        count(*) as events,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
        sum(case when event_type = 'product_view' then 1 else 0 end) as product_views,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts,
        sum(case when event_type = 'checkout' then 1 else 0 end) as checkouts,
        sum(case when event_type = 'search' then 1 else 0 end) as searches,
        max(loaded_at) as last_loaded_at
    from events
    group by customer_id, activity_date

),

sessions as (

    select
        customer_id,
        session_id,
        min(activity_date) as activity_date,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) as has_add_to_cart
    from events
    group by customer_id, session_id

),

session_days as (

    select
        customer_id,
        activity_date,
        count(*) as sessions_started,
        sum(has_add_to_cart) as cart_sessions_started
    from sessions
    group by customer_id, activity_date

),

-- a session starts on a day with events, so orders and events give every key
activity_keys as (

    select
        customer_id,
        activity_date
    from order_days
    union
    select
        customer_id,
        activity_date
    from event_days

),

final as (

    select
        -- ids
        activity_keys.customer_id,

        -- dates
        activity_keys.activity_date,

        -- orders
        cast(coalesce(order_days.completed_orders, 0) as integer) as completed_orders,
        cast(coalesce(order_days.gross_revenue_usd, 0) as decimal(18, 4)) as gross_revenue_usd,
        cast(coalesce(order_days.refunded_revenue_usd, 0) as decimal(18, 4))
            as refunded_revenue_usd,
        cast(coalesce(order_days.priced_orders, 0) as integer) as priced_orders,
        cast(coalesce(order_days.order_value_log_sum, 0) as decimal(38, 12))
            as order_value_log_sum,
        order_days.first_order_at,
        order_days.last_order_at,

        -- events
        cast(coalesce(event_days.events, 0) as integer) as events,
        cast(coalesce(event_days.page_views, 0) as integer) as page_views,
        cast(coalesce(event_days.product_views, 0) as integer) as product_views,
        cast(coalesce(event_days.add_to_carts, 0) as integer) as add_to_carts,
        cast(coalesce(event_days.checkouts, 0) as integer) as checkouts,
        cast(coalesce(event_days.searches, 0) as integer) as searches,
        cast(coalesce(session_days.sessions_started, 0) as integer) as sessions_started,
        cast(coalesce(session_days.cart_sessions_started, 0) as integer) as cart_sessions_started,

        -- lineage
        coalesce(
            greatest(order_days.last_loaded_at, event_days.last_loaded_at),
            order_days.last_loaded_at,
            event_days.last_loaded_at
        ) as last_loaded_at,
        {{ write_batch() }} as write_batch

    from activity_keys
    left join order_days
        on
            activity_keys.customer_id = order_days.customer_id
            and activity_keys.activity_date = order_days.activity_date
    left join event_days
        on
            activity_keys.customer_id = event_days.customer_id
            and activity_keys.activity_date = event_days.activity_date
    left join session_days
        on
            activity_keys.customer_id = session_days.customer_id
            and activity_keys.activity_date = session_days.activity_date

)

select * from final
