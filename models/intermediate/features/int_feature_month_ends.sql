-- The month calendar of the monthly feature history: every month end from the month of
-- the first activity on, with the next three (for the 30- and 90-day windows), and
-- whether it is in the history (a month end up to as_of_date, and among the latest
-- feature_history_months of them when that var is set).
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

first_activity as (

    select
        cast({{ dbt.date_trunc('month', 'min(activity_date)') }} as date) as first_month_start
    from {{ ref('int_customer_activity_aggregated_to_days') }}

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

-- the month ends up to as_of_date, the latest first
month_ends_back as (

    select
        all_month_ends.month_end,
        row_number() over (order by all_month_ends.month_end desc) as months_back
    from all_month_ends
    cross join as_of
    where all_month_ends.month_end <= as_of.as_of_date

),

final as (

    select
        all_month_ends.month_end,
        lead(all_month_ends.month_end, 1) over (order by all_month_ends.month_end)
            as month_end_1,
        lead(all_month_ends.month_end, 2) over (order by all_month_ends.month_end)
            as month_end_2,
        lead(all_month_ends.month_end, 3) over (order by all_month_ends.month_end)
            as month_end_3,
        month_ends_back.months_back,
        coalesce(
            month_ends_back.months_back
            {%- if var('feature_history_months') is not none %}
                <= {{ var('feature_history_months') }}
            {%- else %}
                is not null
            {%- endif %},
            false
        ) as is_in_history
    from all_month_ends
    left join month_ends_back
        on all_month_ends.month_end = month_ends_back.month_end

)

select * from final
