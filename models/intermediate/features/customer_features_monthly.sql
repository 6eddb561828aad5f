-- The columns of customer_features for every eligible customer at every month end
-- up to as_of_date (from the customer's signup on), in one set-based query:
-- one pass over daily activity sums each customer month; running totals over the
-- activity months (not over every month end) give the lifetime features, and each
-- activity month fills the month ends up to the next one. The 30- and 90-day windows
-- at a month end add whole months (its own and, for 90 days, the two before) and
-- correct them with the few days at the windows' edges, so no day is joined to
-- several month ends.
-- At a month end equal to as_of_date its rows equal customer_features (tested).
-- Incremental: the pre-hook deletes the customers whose rows may change (named by a
-- load at or after the latest load counted here, whose latest load or signup date
-- changed, no longer eligible; everyone when the month ends of the history moved)
-- and a run adds every eligible customer missing from the table.
-- With var customer_buckets above 1 it is built in that many parts of the customers,
-- one query each (post-hook), so that its windows and joins stay within memory at scale.
{%- set recent_measures = [
    ('sessions_started', 'sessions'),
    ('page_views', 'page_views'),
    ('product_views', 'product_views'),
    ('add_to_carts', 'add_to_carts'),
    ('checkouts', 'checkouts'),
    ('cart_sessions_started', 'cart_sessions'),
    ('completed_orders', 'completed_orders'),
    ('priced_orders', 'priced_orders'),
    ('order_value_log_sum', 'order_value_log_sum'),
] %}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_changed_monthly_features() }}",
        post_hook="{{ insert_other_customer_buckets(ref('int_customers_filtered_to_eligible')) }}",
    )
}}
-- depends_on: {{ ref('base_raw__orders') }}, {{ ref('base_raw__events') }}

with

customers as (

    select
        eligible.customer_id,
        cast(eligible.signup_at as date) as signup_date
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

activity_days as (

    select activity_days.*
    from {{ ref('int_customer_activity_aggregated_to_days') }} as activity_days
    where {{ in_customer_bucket('activity_days.customer_id') }}
    {% if is_incremental() %}
        and activity_days.customer_id in (select customers.customer_id from customers)
    {% endif %}

),

month_calendar as (

    select
        month_end,
        month_end_1,
        month_end_2,
        month_end_3
    from {{ ref('int_feature_month_ends') }}

),

month_ends as (

    select month_end
    from {{ ref('int_feature_month_ends') }}
    where is_in_history

),

-- sum each customer month: the lifetime measures and the whole month's part of the
-- recent windows
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
        sum(page_views) as page_views,
        sum(product_views) as product_views,
        sum(add_to_carts) as add_to_carts,
        sum(checkouts) as checkouts,
        sum(cart_sessions_started) as cart_sessions,
        min(activity_date) as first_activity_date,
        max(activity_date) as last_activity_date,
        max(last_loaded_at) as last_loaded_at
    from activity_days
    group by customer_id, cast({{ dbt.last_day('activity_date', 'month') }} as date)

),

-- the days at the edges of the recent windows, each with the month end whose window it
-- corrects (a day is in the 30-day window of its month's end unless it is 30 or more
-- days before it, and in that of the next month end if it is fewer than 30 days
-- before it; it is in the 90-day windows of its own and the next month end, in that of
-- the month end two months on unless it is 90 or more days before it, in that of the
-- month end three months on only if it is fewer than 90 days before it, and in no later
-- one)
{%- set edges = [
    ('month_end', 30, '<=', -1),
    ('month_end_1', 30, '>', 1),
    ('month_end_2', 90, '<=', -1),
    ('month_end_3', 90, '>', 1),
] %}
edge_days as (
    {%- for target, days, comparison, sign in edges %}
        select
            activity_days.customer_id,
            month_calendar.{{ target }}{{ ' as month_end' if target != 'month_end' }},
            {%- for column, measure in recent_measures %}
                {{ (sign ~ ' * activity_days.' ~ column) if days == 90 else '0' }}
                    as {{ measure }}_90d,
            {%- endfor %}
            {{ (sign ~ ' * activity_days.sessions_started') if days == 30 else '0' }}
                as sessions_30d,
            {{ (sign ~ ' * activity_days.page_views') if days == 30 else '0' }}
                as page_views_30d
        from activity_days
        inner join month_calendar
            on
                cast({{ dbt.last_day('activity_days.activity_date', 'month') }} as date)
                = month_calendar.month_end
        where
            activity_days.activity_date {{ comparison }}
            {{ add_days('month_calendar.' ~ target, -days) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- running totals over all of a customer's activity months: with a bounded history
-- (var feature_history_months) the lifetime features still count the months before it
activity_running as (

    select
        activity_months.customer_id,
        activity_months.month_end,
        lag(activity_months.month_end) over customer_order as previous_activity_month_end,
        lead(activity_months.month_end) over customer_order as next_activity_month_end,
        sum(activity_months.completed_orders) over customer_months as frequency,
        sum(activity_months.gross_revenue_usd) over customer_months as gross_revenue_usd,
        sum(activity_months.refunded_revenue_usd) over customer_months as refunded_revenue_usd,
        sum(activity_months.priced_orders) over customer_months as priced_orders,
        sum(activity_months.order_value_log_sum) over customer_months as order_value_log_sum,
        sum(activity_months.events) over customer_months as events,
        sum(activity_months.sessions) over customer_months as sessions,
        sum(activity_months.funnel_actions) over customer_months as funnel_actions,
        max(activity_months.last_order_at) over customer_months as last_order_at,
        max(activity_months.last_visit_date) over customer_months as last_visit_date,
        min(activity_months.first_activity_date) over customer_months as first_activity_date,
        max(activity_months.last_activity_date) over customer_months as last_activity_date
    from activity_months
    window
        customer_order as (
            partition by activity_months.customer_id
            order by activity_months.month_end
        ),
        customer_months as (
            partition by activity_months.customer_id
            order by activity_months.month_end
            rows between unbounded preceding and current row
        )

),

customer_starts as (

    select
        customers.customer_id,
        customers.signup_date,
        least(
            customers.signup_date,
            coalesce(min(activity_months.first_activity_date), customers.signup_date)
        ) as first_seen_date,
        max(activity_months.last_loaded_at) as last_loaded_at
    from customers
    left join activity_months
        on customers.customer_id = activity_months.customer_id
    group by customers.customer_id, customers.signup_date

),

first_running_months as (

    select
        customer_id,
        month_end as first_running_month_end
    from activity_running
    where previous_activity_month_end is null

),

-- each activity month's totals hold at the month ends up to the next activity month
running_totals as (

    select
        customer_starts.customer_id,
        customer_starts.signup_date,
        customer_starts.last_loaded_at,
        month_ends.month_end,
        activity_running.frequency,
        activity_running.gross_revenue_usd,
        activity_running.refunded_revenue_usd,
        activity_running.priced_orders,
        activity_running.order_value_log_sum,
        activity_running.events,
        activity_running.sessions,
        activity_running.funnel_actions,
        activity_running.last_order_at,
        activity_running.last_visit_date,
        activity_running.first_activity_date,
        activity_running.last_activity_date
    from activity_running
    inner join customer_starts
        on activity_running.customer_id = customer_starts.customer_id
    inner join month_ends
        on
            activity_running.month_end <= month_ends.month_end
            and coalesce(
                activity_running.next_activity_month_end, cast('9999-12-31' as date)
            ) > month_ends.month_end
    union all
    -- month ends from the customer's first sighting to the first activity month
    select
        customer_starts.customer_id,
        customer_starts.signup_date,
        customer_starts.last_loaded_at,
        month_ends.month_end,
        0 as frequency,
        0 as gross_revenue_usd,
        0 as refunded_revenue_usd,
        0 as priced_orders,
        0 as order_value_log_sum,
        0 as events,
        0 as sessions,
        0 as funnel_actions,
        null as last_order_at,
        null as last_visit_date,
        null as first_activity_date,
        null as last_activity_date
    from customer_starts
    left join first_running_months
        on customer_starts.customer_id = first_running_months.customer_id
    inner join month_ends
        on
            customer_starts.first_seen_date <= month_ends.month_end
            and coalesce(
                first_running_months.first_running_month_end, cast('9999-12-31' as date)
            ) > month_ends.month_end

),

-- recent windows: a month end's 30- and 90-day sums add its own whole month (both
-- windows) and the two before it (90 days), then the edge days' corrections
recent_parts as (

    {%- for target in ['month_end', 'month_end_1', 'month_end_2'] %}
        select
            activity_months.customer_id,
            month_calendar.{{ target }}{{ ' as month_end' if target != 'month_end' }},
            {%- for column, measure in recent_measures %}
                activity_months.{{ measure }} as {{ measure }}_90d,
            {%- endfor %}
            {{ 'activity_months.sessions' if loop.first else '0' }} as sessions_30d,
            {{ 'activity_months.page_views' if loop.first else '0' }} as page_views_30d
        from activity_months
        inner join month_calendar
            on activity_months.month_end = month_calendar.month_end
        union all
    {%- endfor %}
    select * from edge_days

),

recent_totals as (

    select
        recent_parts.customer_id,
        recent_parts.month_end,
        sum(recent_parts.sessions_30d) as sessions_30d,
        sum(recent_parts.sessions_90d) as sessions_90d,
        sum(recent_parts.page_views_30d) as page_views_30d,
        sum(recent_parts.page_views_90d) as page_views_90d,
        sum(recent_parts.product_views_90d) as product_views_90d,
        sum(recent_parts.add_to_carts_90d) as add_to_carts_90d,
        sum(recent_parts.checkouts_90d) as checkouts_90d,
        sum(recent_parts.cart_sessions_90d) as cart_sessions_90d,
        sum(recent_parts.completed_orders_90d) as completed_orders_90d,
        sum(recent_parts.priced_orders_90d) as priced_orders_90d,
        sum(recent_parts.order_value_log_sum_90d) as order_value_log_sum_90d
    from recent_parts
    inner join month_ends
        on recent_parts.month_end = month_ends.month_end
    group by recent_parts.customer_id, recent_parts.month_end

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
        recent_totals.order_value_log_sum_90d,
        running_totals.last_loaded_at
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
        ) }} as engagement_score,

        -- lineage
        last_loaded_at,
        {{ write_batch() }} as write_batch

    from snapshots

)

select * from final
