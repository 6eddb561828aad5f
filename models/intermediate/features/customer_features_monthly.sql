-- The columns of customer_features for every eligible customer at every month end
-- up to as_of_date (from the customer's signup on), in one set-based query:
-- running totals over a customer x month grid for the lifetime features, and
-- a range join of daily activity to month ends for the 30- and 90-day windows.
-- At a month end equal to as_of_date its rows equal customer_features (tested).
with

customers as (

    select
        customer_id,
        cast(signup_at as date) as signup_date
    from {{ ref('int_customers_filtered_to_eligible') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_aggregated_to_days') }}

),

first_activity as (

    select
        cast({{ dbt.date_trunc('month', 'min(activity_date)') }} as date) as first_month_start
    from activity_days

),

month_numbers as (

    {{ dbt.generate_series(1200) }}

),

month_starts as (

    select
        cast(
            {{ dbt.dateadd('month', 'month_numbers.generated_number - 1', 'first_month_start') }}
            as date
        ) as month_start
    from month_numbers
    cross join first_activity

),

all_month_ends as (

    select cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end
    from month_starts

),

month_ends as (

    select all_month_ends.month_end
    from all_month_ends
    cross join as_of
    where
        all_month_ends.month_end <= as_of.as_of_date
        -- null feature_history_months: 1200 months, as many as month_numbers has
        and all_month_ends.month_end > cast(
            {{ dbt.dateadd('month', -(var('feature_history_months') or 1200), 'as_of.as_of_date') }}
            as date
        )

),

-- lifetime totals: sum each month, then run the sums over a customer x month grid
activity_months as (

    select
        customer_id,
        cast({{ dbt.last_day('activity_date', 'month') }} as date) as month_end,
        sum(completed_orders) as completed_orders,
        sum(gross_revenue_usd) as gross_revenue_usd,
        sum(refunded_revenue_usd) as refunded_revenue_usd,
        max(last_order_at) as last_order_at,
        sum(priced_orders) as priced_orders,
        sum(order_value_log_sum) as order_value_log_sum,
        sum(events) as events,
        sum(sessions_started) as sessions,
        sum(add_to_carts + checkouts) as funnel_actions,
        max(case when events > 0 then activity_date end) as last_visit_date,
        min(activity_date) as first_activity_date,
        max(activity_date) as last_activity_date
    from activity_days
    group by customer_id, cast({{ dbt.last_day('activity_date', 'month') }} as date)

),

customer_starts as (

    select
        customers.customer_id,
        customers.signup_date,
        least(
            customers.signup_date,
            coalesce(min(activity_months.first_activity_date), customers.signup_date)
        ) as first_seen_date
    from customers
    left join activity_months
        on customers.customer_id = activity_months.customer_id
    group by customers.customer_id, customers.signup_date

),

grid as (

    select
        customer_starts.customer_id,
        customer_starts.signup_date,
        month_ends.month_end
    from customer_starts
    inner join month_ends
        on customer_starts.first_seen_date <= month_ends.month_end

),

running_totals as (

    select
        grid.customer_id,
        grid.signup_date,
        grid.month_end,
        sum(coalesce(activity_months.completed_orders, 0)) over customer_months as frequency,
        sum(coalesce(activity_months.gross_revenue_usd, 0)) over customer_months
            as gross_revenue_usd,
        sum(coalesce(activity_months.refunded_revenue_usd, 0)) over customer_months
            as refunded_revenue_usd,
        sum(coalesce(activity_months.priced_orders, 0)) over customer_months as priced_orders,
        sum(coalesce(activity_months.order_value_log_sum, 0)) over customer_months
            as order_value_log_sum,
        sum(coalesce(activity_months.events, 0)) over customer_months as events,
        sum(coalesce(activity_months.sessions, 0)) over customer_months as sessions,
        sum(coalesce(activity_months.funnel_actions, 0)) over customer_months as funnel_actions,
        max(activity_months.last_order_at) over customer_months as last_order_at,
        max(activity_months.last_visit_date) over customer_months as last_visit_date,
        min(activity_months.first_activity_date) over customer_months as first_activity_date,
        max(activity_months.last_activity_date) over customer_months as last_activity_date
    from grid
    left join activity_months
        on
            grid.customer_id = activity_months.customer_id
            and grid.month_end = activity_months.month_end
    window customer_months as (
        partition by grid.customer_id
        order by grid.month_end
        rows between unbounded preceding and current row
    )

),

-- recent windows: each day feeds the month ends less than 90 days after it, so
-- sums over these rows are 90-day sums
recent_days as (

    select
        activity_days.*,
        month_ends.month_end,
        activity_days.activity_date > {{ add_days('month_ends.month_end', -30) }} as is_last_30d
    from activity_days
    inner join month_ends
        on
            activity_days.activity_date <= month_ends.month_end
            and activity_days.activity_date > {{ add_days('month_ends.month_end', -90) }}

),

recent_totals as (

    select
        customer_id,
        month_end,
        sum(case when is_last_30d then sessions_started else 0 end) as sessions_30d,
        sum(sessions_started) as sessions_90d,
        sum(case when is_last_30d then page_views else 0 end) as page_views_30d,
        sum(page_views) as page_views_90d,
        sum(product_views) as product_views_90d,
        sum(add_to_carts) as add_to_carts_90d,
        sum(checkouts) as checkouts_90d,
        sum(cart_sessions_started) as cart_sessions_90d,
        sum(completed_orders) as completed_orders_90d,
        sum(priced_orders) as priced_orders_90d,
        sum(order_value_log_sum) as order_value_log_sum_90d
    from recent_days
    group by customer_id, month_end

),

snapshots as (

    select
        running_totals.customer_id,
        running_totals.month_end,
        {{ days_between('running_totals.signup_date', 'running_totals.month_end') }} as tenure_days,
        {{ days_between('running_totals.last_order_at', 'running_totals.month_end') }}
            as order_recency_days,
        {{ days_between('running_totals.last_visit_date', 'running_totals.month_end') }}
            as visit_recency_days,
        {{ days_between('running_totals.last_activity_date', 'running_totals.month_end') }}
            as activity_recency_days,
        running_totals.first_activity_date,
        running_totals.last_activity_date,
        running_totals.priced_orders,
        running_totals.order_value_log_sum,
        running_totals.events,
        running_totals.sessions,
        running_totals.funnel_actions,
        cast(running_totals.frequency as integer) as frequency,
        running_totals.gross_revenue_usd,
        running_totals.refunded_revenue_usd,
        cast(coalesce(recent_totals.sessions_30d, 0) as integer) as sessions_30d,
        cast(coalesce(recent_totals.sessions_90d, 0) as integer) as sessions_90d,
        cast(coalesce(recent_totals.page_views_30d, 0) as integer) as page_views_30d,
        cast(coalesce(recent_totals.page_views_90d, 0) as integer) as page_views_90d,
        cast(coalesce(recent_totals.product_views_90d, 0) as integer) as product_views_90d,
        cast(coalesce(recent_totals.add_to_carts_90d, 0) as integer) as add_to_carts_90d,
        cast(coalesce(recent_totals.checkouts_90d, 0) as integer) as checkouts_90d,
        cast(coalesce(recent_totals.cart_sessions_90d, 0) as integer) as cart_sessions_90d,
        cast(coalesce(recent_totals.completed_orders_90d, 0) as integer) as completed_orders_90d,
        recent_totals.priced_orders_90d,
        recent_totals.order_value_log_sum_90d
    from running_totals
    left join recent_totals
        on
            running_totals.customer_id = recent_totals.customer_id
            and running_totals.month_end = recent_totals.month_end
    where running_totals.signup_date <= running_totals.month_end

),

final as (

    select
        -- ids
        customer_id,

        -- dates
        month_end,

        -- orders
        coalesce(order_recency_days, tenure_days) as recency_days,
        frequency,
        cast(
            cast(gross_revenue_usd - refunded_revenue_usd as decimal(18, 4)) as double
        ) as monetary,
        case
            when frequency > 0 then cast(gross_revenue_usd as double) / frequency
            else 0.0
        end as avg_order_value,
        {{ typical_order_value('order_value_log_sum', 'priced_orders') }} as typical_order_value,
        tenure_days,
        {{ refund_rate('gross_revenue_usd', 'refunded_revenue_usd') }} as refund_rate,
        case when frequency >= 2 then 1 else 0 end as is_repeat_customer,
        {{ orders_per_active_month('frequency', 'first_activity_date', 'last_activity_date') }}
            as orders_per_active_month,

        -- orders, last 90 days
        completed_orders_90d as orders_90d,
        {{ typical_order_value('order_value_log_sum_90d', 'priced_orders_90d') }}
            as typical_order_value_90d,

        -- visits
        sessions_30d,
        sessions_90d,
        page_views_30d,
        page_views_90d,
        coalesce(visit_recency_days, tenure_days) as days_since_last_visit,
        coalesce(activity_recency_days, tenure_days) as days_since_last_activity,
        {{ per_month('sessions', 'tenure_days') }} as sessions_per_month,
        {{ per_session('events', 'sessions') }} as events_per_session,
        {{ per_session('funnel_actions', 'sessions') }} as funnel_actions_per_session,

        -- shopping funnel, last 90 days
        product_views_90d,
        add_to_carts_90d,
        checkouts_90d,
        {{ cart_to_order_rate('completed_orders_90d', 'cart_sessions_90d') }} as cart_to_order_rate,

        -- score
        {{ engagement_score(
            'visit_recency_days', 'sessions_90d', 'product_views_90d', 'add_to_carts_90d', 'checkouts_90d'
        ) }} as engagement_score

    from snapshots

)

select * from final
