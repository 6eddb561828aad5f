-- The monitored features (var drift_features) of customer_features_monthly at the
-- current and the baseline period (int_drift_periods), counted by value: one row per
-- period, side, segment of the customers that month (int_customer_segments_by_month),
-- feature and value, with how many customers have it. The long input of the macro
-- distribution_drift in feature_drift: a value shared by many customers (counts,
-- flags, day numbers) is one row, so the drift windows sort distinct values, not
-- customers x features.
-- Each month end is counted once, though it is the current side of its period and the
-- baseline of the next, and the features are unpivoted by a join to their numbers, so
-- the customer months are scanned and joined to their segments once, not once per
-- feature: at 10M customers the union of one join per feature ran out of memory.
{%- set features = var('drift_features') or scaled_features() | map('first') | list %}
with

monthly as (

    select * from {{ ref('customer_features_monthly') }}

),

segments as (

    select * from {{ ref('int_customer_segments_by_month') }}

),

periods as (

    select * from {{ ref('int_drift_periods') }}

),

period_month_ends as (

    select distinct month_end from periods

),

feature_numbers as (
    {%- for feature in features %}
        select
            {{ loop.index }} as feature_number,
            '{{ feature }}' as column_name
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

monitored_months as (

    select
        monthly.customer_id,
        monthly.month_end,
        {%- for feature in features %}
            monthly.{{ feature }},
        {%- endfor %}
        segments.segment_id
    from monthly
    inner join period_month_ends
        on monthly.month_end = period_month_ends.month_end
    left join segments
        on
            monthly.customer_id = segments.customer_id
            and monthly.month_end = segments.month_end

),

feature_values as (

    select
        monitored_months.month_end,
        monitored_months.segment_id,
        feature_numbers.feature_number,
        case feature_numbers.feature_number
            {%- for feature in features %}
                when {{ loop.index }} then cast(monitored_months.{{ feature }} as double)
            {%- endfor %}
        end as column_value
    from monitored_months
    cross join feature_numbers

),

value_counts as (

    select
        month_end,
        segment_id,
        feature_number,
        column_value,
        count(*) as value_rows
    from feature_values
    group by month_end, segment_id, feature_number, column_value

),

final as (

    select
        periods.current_period,
        periods.baseline_period,
        periods.side,
        value_counts.segment_id,
        feature_numbers.column_name,
        value_counts.column_value,
        value_counts.value_rows
    from value_counts
    inner join periods
        on value_counts.month_end = periods.month_end
    inner join feature_numbers
        on value_counts.feature_number = feature_numbers.feature_number

)

select * from final
