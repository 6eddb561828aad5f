-- PSI and KL divergence of every monitored feature between each period (the latest
-- drift_history_months month ends of customer_features_monthly) and its baseline
-- period (var drift_baseline), over all customers (scope population) and within each segment of
-- the current model (scope segment: the customers the model puts in that segment in
-- each period), computed by int_feature_drift_by_period from the value counts of
-- int_feature_value_counts_for_drift. Bins are the baseline's quantiles (macro
-- distribution_drift); status compares PSI with the vars psi_warn and psi_alert. A
-- shift confined to one segment (its customers buy differently) can stay under the
-- thresholds in the population and cross them within the segment.
with

periods as (

    select distinct
        current_period,
        baseline_period,
        is_latest_period
    from {{ ref('int_drift_periods') }}

),

drift as (

    select * from {{ ref('int_feature_drift_by_period') }}

),

final as (

    select
        -- periods
        periods.current_period,
        periods.baseline_period,
        periods.is_latest_period,

        -- population
        drift.scope,
        drift.segment_id,

        -- feature
        drift.column_name as feature_name,

        -- drift
        drift.psi,
        drift.kl_divergence,
        {{ drift_status('drift.psi') }} as status,

        -- support
        drift.bins,
        drift.baseline_rows,
        drift.current_rows

    from drift
    inner join periods
        on drift.current_period = periods.current_period

)

select * from final
