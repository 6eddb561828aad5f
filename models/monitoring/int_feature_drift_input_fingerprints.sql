-- One row per drift period of int_feature_value_counts_for_drift: the fingerprint of
-- its value counts, both sides, with the var drift_bins, i.e. the sum of their row
-- fingerprints (macro row_fingerprint) as decimal(38, 0), which holds 10^19 rows of
-- 64-bit hashes without overflow on DuckDB and Spark. Any changed, added or removed
-- count changes it (up to a 64-bit hash collision), and so does another number of
-- bins; the order of the rows does not. int_feature_drift_by_period stores it with each
-- period and its pre-hook compares the two, so the 11 M counts (1M customers) are
-- fingerprinted once per build. Engine-specific, like row_fingerprint: compared only
-- within one warehouse.
with

value_counts as (

    select * from {{ ref('int_feature_value_counts_for_drift') }}

),

final as (

    select
        current_period,
        sum(
            cast(
                {{ row_fingerprint([
                    'baseline_period',
                    'side',
                    'segment_id',
                    'column_name',
                    'column_value',
                    'value_rows',
                    var('drift_bins'),
                ]) }}
                as decimal(38, 0)
            )
        ) as inputs_fingerprint
    from value_counts
    group by current_period

)

select * from final
