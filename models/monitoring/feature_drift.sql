-- PSI and KL divergence of every monitored feature between the current period (the
-- latest month end of customer_features_monthly) and the baseline period (var
-- drift_baseline), over all customers (scope population) and within each segment of
-- the current model (scope segment: the customers the model puts in that segment in
-- each period), from the long values of int_feature_values_for_drift. Bins are the
-- baseline's quantiles (macro distribution_drift); status compares PSI with the vars
-- psi_warn and psi_alert. A shift confined to one segment (its customers buy
-- differently) can stay under the thresholds in the population and cross them
-- within the segment.
with

feature_values as (

    select * from {{ ref('int_feature_values_for_drift') }}

),

segment_values as (

    select * from feature_values
    where segment_id is not null

),

periods as (

    select distinct
        current_period,
        baseline_period
    from feature_values

),

{{ distribution_drift('feature_values', bins=var('drift_bins'), prefix='population') }},

{{ distribution_drift(
    'segment_values', bins=var('drift_bins'), prefix='segment', keys=['segment_id', 'column_name']
) }},

drift as (

    select
        'population' as scope,
        cast(null as integer) as segment_id,
        column_name,
        psi,
        kl_divergence,
        bins,
        baseline_rows,
        current_rows
    from population_result
    union all
    select
        'segment' as scope,
        segment_id,
        column_name,
        psi,
        kl_divergence,
        bins,
        baseline_rows,
        current_rows
    from segment_result

),

final as (

    select
        -- periods
        periods.current_period,
        periods.baseline_period,

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
        cast(drift.bins as integer) as bins,
        cast(drift.baseline_rows as integer) as baseline_rows,
        cast(drift.current_rows as integer) as current_rows

    from drift
    cross join periods

)

select * from final
