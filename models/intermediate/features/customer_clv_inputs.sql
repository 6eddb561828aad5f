-- Inputs of buy-till-you-die CLV models (BG/NBD, Pareto/NBD, Gamma-Gamma), with the
-- definitions of lifetimes' summary_data_from_transaction_data at daily frequency:
-- purchases are completed orders up to as_of_date, grouped by calendar day (UTC).
--   frequency      = purchase days - 1 (repeat purchase days)
--   recency        = days from the first to the last purchase day
--   t              = days from the first purchase day to as_of_date (lifetimes' T)
--   monetary_value = mean revenue of the repeat purchase days; 0 when frequency = 0
-- Customers without a completed order up to as_of_date have no row, as in lifetimes.
with

customers as (

    select customer_id from {{ ref('customer_rfm') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_aggregated_to_days') }}

),

-- the daily grain already sums each day's completed orders up to as_of_date
purchase_days as (

    select
        customer_id,
        activity_date as purchase_date,
        gross_revenue_usd as revenue_usd
    from activity_days
    where completed_orders > 0

),

purchase_days_flagged as (

    select
        *,
        purchase_date = min(purchase_date) over (partition by customer_id) as is_first_purchase_day
    from purchase_days

),

customer_totals as (

    select
        customer_id,
        count(*) - 1 as frequency,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        sum(case when is_first_purchase_day then 0 else revenue_usd end) as repeat_revenue_usd
    from purchase_days_flagged
    group by customer_id

),

final as (

    select
        -- ids
        customer_totals.customer_id,

        -- BTYD inputs
        cast(customer_totals.frequency as integer) as frequency,
        {{ days_between(
            'customer_totals.first_purchase_date', 'customer_totals.last_purchase_date'
        ) }} as recency,
        {{ days_between('customer_totals.first_purchase_date', 'as_of.as_of_date') }} as t,
        case
            when customer_totals.frequency > 0
                then cast(customer_totals.repeat_revenue_usd as double) / customer_totals.frequency
            else 0.0
        end as monetary_value,

        -- dates
        customer_totals.first_purchase_date,
        customer_totals.last_purchase_date,
        as_of.as_of_date

    from customer_totals
    inner join customers
        on customer_totals.customer_id = customers.customer_id
    cross join as_of

)

select * from final
