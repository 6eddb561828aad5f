-- PSI and KL divergence of every monitored feature between each period (the latest
-- drift_history_months month ends of customer_features_monthly) and its baseline
-- period (var drift_baseline), over all customers (scope population) and within each segment of
-- the current model (scope segment: the customers the model puts in that segment in
-- each period), from the long values of int_feature_value_counts_for_drift. Bins are the
-- baseline's quantiles (macro distribution_drift); status compares PSI with the vars
-- psi_warn and psi_alert. A shift confined to one segment (its customers buy
-- differently) can stay under the thresholds in the population and cross them
-- within the segment.
-- The value counts are read as a relation, never as a CTE that both scopes share: DuckDB
-- materializes a CTE read more than once, and at 10M customers copies of the 91 M value
-- counts spilled 11 GB in 45 s. They are already one row per segment, side and value,
-- and both scopes read them as they are: the population's quantiles count a value's
-- rows across segments, without grouping the 11 M counts again first.
{%- set value_counts = ref('int_feature_value_counts_for_drift') %}
with

periods as (

    select distinct
        current_period,
        baseline_period,
        is_latest_period
    from {{ ref('int_drift_periods') }}

),

{{ distribution_drift(
    value_counts,
    bins=var('drift_bins'),
    prefix='population',
    keys=['current_period', 'column_name']
) }},

{{ distribution_drift(
    '(select * from ' ~ value_counts ~ ' where segment_id is not null)',
    bins=var('drift_bins'),
    prefix='segment',
    keys=['current_period', 'segment_id', 'column_name']
) }},

drift as (

    select
        current_period,
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
        current_period,
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
        periods.is_latest_period,

        -- population
        drift.scope,
        cast(drift.segment_id as integer) as segment_id,

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
    inner join periods
        on drift.current_period = periods.current_period

)

select * from final
