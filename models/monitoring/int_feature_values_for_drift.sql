-- The monitored features of customer_features_monthly at the current period (the
-- latest month end) and the baseline period (var drift_baseline: previous_month or a
-- month end "YYYY-MM-DD"), one row per customer, period and feature: the long input
-- of the macro distribution_drift in feature_drift.
{%- set features = var('drift_features') or scaled_features() | map('first') | list %}
{%- set baseline = var('drift_baseline') %}
with

monthly as (

    select * from {{ ref('customer_features_monthly') }}

),

current_period as (

    select max(month_end) as current_period from monthly

),

previous_month as (

    select max(monthly.month_end) as month_end
    from current_period
    inner join monthly
        on current_period.current_period > monthly.month_end

),

periods as (

    select
        current_period.current_period,
        {% if baseline == 'previous_month' -%}
            previous_month.month_end
        {%- else -%}
            cast('{{ baseline }}' as date)
        {%- endif %} as baseline_period
    from current_period
    cross join previous_month

),

labelled as (

    select
        monthly.*,
        periods.current_period,
        periods.baseline_period,
        case
            when monthly.month_end = periods.current_period then 'current'
            else 'baseline'
        end as side
    from monthly
    inner join periods
        on monthly.month_end in (periods.current_period, periods.baseline_period)

),

final as (
    {%- for feature in features %}
        select
            customer_id,
            current_period,
            baseline_period,
            side,
            '{{ feature }}' as column_name,
            cast({{ feature }} as double) as column_value
        from labelled
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from final
