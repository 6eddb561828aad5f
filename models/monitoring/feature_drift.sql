-- PSI and KL divergence of every monitored feature between the current period (the
-- latest month end of customer_features_monthly) and a baseline period chosen by the
-- var drift_baseline: previous_month (default) or a month end "YYYY-MM-DD". Bins are
-- the baseline's deciles (macro distribution_drift); status compares PSI with the vars
-- psi_warn and psi_alert.
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

{{ distribution_drift(
    'monthly', features, 'month_end', 'periods', bins=var('drift_bins')
) }},

final as (

    select
        -- periods
        periods.current_period,
        periods.baseline_period,

        -- feature
        drift_result.column_name as feature_name,

        -- drift
        drift_result.psi,
        drift_result.kl_divergence,
        case
            when drift_result.psi >= {{ var('psi_alert') }} then 'alert'
            when drift_result.psi >= {{ var('psi_warn') }} then 'warn'
            else 'ok'
        end as status,

        -- support
        drift_result.bins,
        drift_result.baseline_rows,
        drift_result.current_rows

    from drift_result
    cross join periods

)

select * from final
