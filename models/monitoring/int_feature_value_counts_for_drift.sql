-- The monitored features (var drift_features) of customer_features_monthly at the
-- current and the baseline period (int_drift_periods), counted by value: one row per
-- period, side, segment of the customers that month (int_customer_segments_by_month),
-- feature and value, with how many customers have it. The long input of the macro
-- distribution_drift in feature_drift: a value shared by many customers (counts,
-- flags, day numbers) is one row, so the drift windows sort distinct values, not
-- customers x features.
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

labelled as (

    select
        monthly.*,
        segments.segment_id,
        periods.current_period,
        periods.baseline_period,
        periods.side
    from monthly
    inner join periods
        on monthly.month_end = periods.month_end
    left join segments
        on
            monthly.customer_id = segments.customer_id
            and monthly.month_end = segments.month_end

),

feature_values as (
    {%- for feature in features %}
        select
            segment_id,
            current_period,
            baseline_period,
            side,
            '{{ feature }}' as column_name,
            cast({{ feature }} as double) as column_value
        from labelled
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (

    select
        current_period,
        baseline_period,
        side,
        segment_id,
        column_name,
        column_value,
        count(*) as value_rows
    from feature_values
    group by current_period, baseline_period, side, segment_id, column_name, column_value

)

select * from final
