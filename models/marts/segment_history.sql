-- Customers, orders and revenue per segment per month: every customer of each month
-- end of int_customer_segments_by_month (all assigned with the current model version,
-- so the months are comparable), with the orders and net revenue (completed orders
-- minus refunds, USD) they placed in that calendar month.
{{ after_at_scale('int_categorical_values_for_drift') }}
with

segments as (

    select * from {{ ref('int_customer_segments_by_month') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_aggregated_to_days') }}

),

activity_months as (

    select
        customer_id,
        cast({{ dbt.last_day('activity_date', 'month') }} as date) as month_end,
        sum(completed_orders) as orders,
        sum(gross_revenue_usd - refunded_revenue_usd) as net_revenue_usd
    from activity_days
    group by customer_id, cast({{ dbt.last_day('activity_date', 'month') }} as date)

),

segment_months as (

    select
        segments.month_end,
        segments.segment_id,
        max(segments.model_version) as model_version,
        count(*) as customers,
        sum(coalesce(activity_months.orders, 0)) as orders,
        sum(coalesce(activity_months.net_revenue_usd, 0)) as net_revenue_usd
    from segments
    left join activity_months
        on
            segments.customer_id = activity_months.customer_id
            and segments.month_end = activity_months.month_end
    group by segments.month_end, segments.segment_id

),

month_totals as (

    select
        month_end,
        sum(customers) as customers,
        sum(net_revenue_usd) as net_revenue_usd
    from segment_months
    group by month_end

),

final as (

    select
        -- ids
        segment_months.month_end,
        cast(segment_months.segment_id as integer) as segment_id,
        segment_months.model_version,

        -- customers
        cast(segment_months.customers as integer) as customers,
        cast(segment_months.customers as double) / month_totals.customers as customer_share,

        -- orders and revenue in the month
        cast(segment_months.orders as integer) as orders,
        cast(segment_months.net_revenue_usd as decimal(18, 4)) as net_revenue_usd,
        case
            when month_totals.net_revenue_usd != 0
                then
                    cast(segment_months.net_revenue_usd as double)
                    / cast(month_totals.net_revenue_usd as double)
        end as revenue_share

    from segment_months
    inner join month_totals
        on segment_months.month_end = month_totals.month_end

)

select * from final
