-- PSI and KL divergence of every monitored feature for each drift period, over all
-- customers (scope population) and within each segment, from the value counts of
-- int_feature_value_counts_for_drift (macro distribution_drift); feature_drift adds
-- the periods' columns and the status.
-- Incremental: a period is computed again only when its value counts changed. The
-- pre-hook deletes the periods whose fingerprint of the value counts (both sides, and
-- the var drift_bins; int_feature_drift_input_fingerprints) differs from the stored
-- one, and a run computes the periods missing from the table. Closed months rarely
-- change, so a daily run recomputes the latest period and keeps the others.
-- The value counts are read as a relation, never as a CTE that both scopes share: DuckDB
-- materializes a CTE read more than once, and at 10M customers copies of the 91 M value
-- counts spilled 11 GB in 45 s. They are already one row per segment, side and value,
-- and both scopes read them as they are: the population's quantiles count a value's
-- rows across segments, without grouping the 11 M counts again first.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_changed_drift_periods() }}",
    )
}}
{%- set value_counts = ref('int_feature_value_counts_for_drift') %}
{%- set to_compute -%}
    (
        select counted.*
        from {{ value_counts }} as counted
        where counted.current_period in (
            select fingerprints.current_period from fingerprints
        )
    )
{%- endset %}
with

-- the periods to compute (on an incremental run, after the pre-hook: those missing
-- from the table), each with the fingerprint of its value counts; a small CTE, read by
-- both scopes
fingerprints as (

    select
        periods.current_period,
        periods.inputs_fingerprint
    from {{ ref('int_feature_drift_input_fingerprints') }} as periods
    {% if is_incremental() %}
        {{ join_stored_keys('periods', ['current_period']) }}
        where {{ missing_from_this() }}
    {% endif %}

),

{{ distribution_drift(
    to_compute,
    bins=var('drift_bins'),
    prefix='population',
    keys=['current_period', 'column_name']
) }},

{{ distribution_drift(
    '(select * from ' ~ to_compute ~ ' as segment_values where segment_id is not null)',
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
        drift.current_period,
        drift.scope,
        cast(drift.segment_id as integer) as segment_id,
        drift.column_name,
        drift.psi,
        drift.kl_divergence,
        cast(drift.bins as integer) as bins,
        cast(drift.baseline_rows as integer) as baseline_rows,
        cast(drift.current_rows as integer) as current_rows,
        fingerprints.inputs_fingerprint
    from drift
    inner join fingerprints
        on drift.current_period = fingerprints.current_period

)

select * from final
