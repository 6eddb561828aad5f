-- The rows the prediction models learn from, with what each customer did after the
-- month end: the date of their next completed order, and the two labels the models
-- learn, purchased_next_30d (a completed order in the 30 days after the month end) and
-- churned_next_90d (none in the 90 days after it; null while that window is not over at
-- as_of_date: not yet known, not false).
-- The rows: customer_features_monthly at every month end whose 30-day window is over at
-- as_of_date, at most var prediction_rows_per_month customers per month end, a
-- pseudo-random sample that is the same on every engine and run for the same var
-- random_seed (ordered by the MD5 of the customer id salted with the seed; macro
-- seeded_sample, which ranks only the rows that can be in it). The sample is drawn
-- first, so only its customers' orders are read: the fit stays small however many
-- customers there are, and every month end keeps its share for the time-based holdout.
-- Set-based: the month ends and the days with a completed order of a customer in one
-- ordered list; the next order of a month end is the first order day after it (an
-- order on the month end itself is part of that month's features, not of the future).
-- Recomputed whenever prediction_retrain is true (the default); kept as the last
-- retrain left it while it is false, as nothing reads it then (the registry keeps
-- its models), so daily runs between retrains skip it.
{{ config(full_refresh=(true if boolean_var('prediction_retrain') else none)) }}
{%- set labelled_rows -%}
    (
        select
            monthly.customer_id,
            monthly.month_end
        from {{ ref('customer_features_monthly') }} as monthly
        cross join as_of
        where {{ add_days('monthly.month_end', 30) }} <= as_of.as_of_date
    )
{%- endset %}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

{{ seeded_sample(
    labelled_rows,
    'customer_id',
    var('prediction_rows_per_month'),
    partition_by=['month_end'],
) }},

month_ends as (

    select
        customer_id,
        month_end
    from sample_drawn

),

order_days as (

    select
        activity_days.customer_id,
        activity_days.activity_date
    from {{ ref('int_customer_activity_aggregated_to_days') }} as activity_days
    cross join as_of
    where
        activity_days.completed_orders > 0
        and activity_days.activity_date <= as_of.as_of_date
        and activity_days.customer_id in (select month_ends.customer_id from month_ends)

),

timeline as (

    select
        customer_id,
        month_end as event_date,
        1 as is_month_end
    from month_ends
    union all
    select
        customer_id,
        activity_date as event_date,
        0 as is_month_end
    from order_days

),

next_orders as (

    select
        customer_id,
        event_date as month_end,
        is_month_end,
        -- on the same day the order comes first: it belongs to the month end's past
        min(case when is_month_end = 0 then event_date end) over (
            partition by customer_id
            order by event_date, is_month_end
            rows between 1 following and unbounded following
        ) as next_order_date
    from timeline

),

final as (

    select
        -- ids
        next_orders.customer_id,

        -- dates
        next_orders.month_end,
        next_orders.next_order_date,

        -- labels (the sample holds only month ends whose 30 days are over)
        coalesce(
            next_orders.next_order_date <= {{ add_days('next_orders.month_end', 30) }},
            false
        ) as purchased_next_30d,
        case
            when {{ add_days('next_orders.month_end', 90) }} > as_of.as_of_date then null
            else not coalesce(
                next_orders.next_order_date <= {{ add_days('next_orders.month_end', 90) }},
                false
            )
        end as churned_next_90d,

        -- lineage: the batch of the run that wrote the row (scoped tests)
        {{ write_batch() }} as write_batch

    from next_orders
    cross join as_of
    where next_orders.is_month_end = 1

)

{{ select_unless_kept_between_retrains('final') }}
