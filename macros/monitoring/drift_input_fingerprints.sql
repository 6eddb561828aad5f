{#-
    A query with one row per drift period of `value_counts` (the relation
    int_feature_value_counts_for_drift): current_period and inputs_fingerprint, the sum
    of the row fingerprints (macro row_fingerprint) of the period's value counts, both
    sides, with the var drift_bins. Any changed, added or removed count changes the sum
    (up to a 64-bit hash collision), and so does another number of bins; the order of
    the rows does not. Summed as decimal(38, 0), which holds 10^19 rows of 64-bit
    hashes without overflow on DuckDB and Spark.
-#}
{% macro drift_input_fingerprints(value_counts) %}
    select
        fingerprinted.current_period,
        sum(
            cast(
                {{ row_fingerprint([
                    'fingerprinted.baseline_period',
                    'fingerprinted.side',
                    'fingerprinted.segment_id',
                    'fingerprinted.column_name',
                    'fingerprinted.column_value',
                    'fingerprinted.value_rows',
                    var('drift_bins'),
                ]) }}
                as decimal(38, 0)
            )
        ) as inputs_fingerprint
    from {{ value_counts }} as fingerprinted
    group by fingerprinted.current_period
{%- endmacro %}
