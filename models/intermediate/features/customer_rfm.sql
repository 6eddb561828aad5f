-- Recency, frequency and monetary value of every eligible customer as of
-- int_as_of_date, from completed orders and refunds up to and including that date,
-- over the customer's lifetime and over the last 90 days (the recent behaviour that
-- drift monitoring watches).
-- Customers who signed up later do not exist yet and are left out; customers
-- without orders are kept (frequency 0, monetary 0, recency null).
with

customers as (

    select
        customer_id,
        signup_at
    from {{ ref('int_customers_filtered_to_eligible') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

orders as (

    select * from {{ ref('int_orders_converted_to_usd') }}

),

orders_until_as_of as (

    select
        orders.*,
        orders.order_date > {{ add_days('as_of.as_of_date', -90) }} as is_last_90d
    from orders
    cross join as_of
    where orders.order_date <= as_of.as_of_date

),

order_totals as (

    select
        customer_id,
        -- order_id is unique in the order facts (tested), so this counts distinct orders
        count(case when is_completed then order_id end) as frequency,
        sum(case when is_completed then amount_usd else 0 end) as gross_revenue_usd,
        -- refunds and returns carry negative amounts
        -sum(case when is_refund then amount_usd else 0 end) as refunded_revenue_usd,
        sum(case when is_completed and amount_usd > 0 then 1 else 0 end) as priced_orders,
        sum(
            case
                when is_completed and amount_usd > 0 then {{ order_value_log('amount_usd') }}
                else 0
            end
        ) as order_value_log_sum,
        sum(case when is_completed and is_last_90d then 1 else 0 end) as orders_90d,
        sum(
            case
                when is_completed and amount_usd > 0 and is_last_90d
                    then 1
                else 0
            end
        ) as priced_orders_90d,
        sum(
            case
                when is_completed and amount_usd > 0 and is_last_90d
                    then {{ order_value_log('amount_usd') }}
                else 0
            end
        ) as order_value_log_sum_90d,
        min(case when is_completed then ordered_at end) as first_order_at,
        max(case when is_completed then ordered_at end) as last_order_at
    from orders_until_as_of
    group by customer_id

),

final as (

    select
        -- ids
        customers.customer_id,

        -- dates
        as_of.as_of_date,

        -- recency, frequency, monetary
        {{ days_between('order_totals.last_order_at', 'as_of.as_of_date') }} as recency_days,
        cast(coalesce(order_totals.frequency, 0) as integer) as frequency,
        cast(
            coalesce(order_totals.gross_revenue_usd, 0)
            - coalesce(order_totals.refunded_revenue_usd, 0)
            as decimal(18, 4)
        ) as monetary,
        case
            when order_totals.frequency > 0
                then cast(order_totals.gross_revenue_usd as double) / order_totals.frequency
            else 0.0
        end as avg_order_value,
        {{ typical_order_value(
            'order_totals.order_value_log_sum', 'order_totals.priced_orders'
        ) }} as typical_order_value,
        {{ days_between('customers.signup_at', 'as_of.as_of_date') }} as tenure_days,
        {{ refund_rate(
            'coalesce(order_totals.gross_revenue_usd, 0)',
            'coalesce(order_totals.refunded_revenue_usd, 0)'
        ) }} as refund_rate,

        -- last 90 days
        cast(coalesce(order_totals.orders_90d, 0) as integer) as orders_90d,
        {{ typical_order_value(
            'order_totals.order_value_log_sum_90d', 'order_totals.priced_orders_90d'
        ) }} as typical_order_value_90d,

        -- revenue parts
        cast(coalesce(order_totals.gross_revenue_usd, 0) as decimal(18, 4)) as gross_revenue_usd,
        cast(coalesce(order_totals.refunded_revenue_usd, 0) as decimal(18, 4))
            as refunded_revenue_usd,

        -- timestamps
        order_totals.first_order_at,
        order_totals.last_order_at

    from customers
    cross join as_of
    left join order_totals
        on customers.customer_id = order_totals.customer_id
    where cast(customers.signup_at as date) <= as_of.as_of_date

)

select * from final
