-- PSI and KL divergence of every monitored feature between the current period (the
-- latest month end of customer_features_monthly) and the baseline period (var
-- drift_baseline), from the long values of int_feature_values_for_drift. Bins are the
-- baseline's quantiles (macro distribution_drift); status compares PSI with the vars
-- psi_warn and psi_alert.
with

feature_values as (

    select * from {{ ref('int_feature_values_for_drift') }}

),

periods as (

    select distinct
        current_period,
        baseline_period
    from feature_values

),

{{ distribution_drift('feature_values', bins=var('drift_bins')) }},

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
