{#-
    Pre-hook of int_feature_drift_by_period on incremental runs: deletes every stored
    period whose value counts changed (its fingerprint differs from the one in
    int_feature_drift_input_fingerprints) or that is no longer a drift period. The model
    then computes the periods missing from the table, so the result equals a full
    refresh. Renders nothing on a first build or a --full-refresh.
-#}
{% macro delete_changed_drift_periods() %}
    {% if is_incremental() %}
        {{ require_stored_columns(['inputs_fingerprint']) }}
        delete from {{ this }} as stored
        -- no column here is null (tested), so `not in` is exact
        where (stored.current_period, stored.inputs_fingerprint) not in (
            select fingerprints.current_period, fingerprints.inputs_fingerprint
            from {{ ref('int_feature_drift_input_fingerprints') }} as fingerprints
        )
    {% endif %}
{% endmacro %}
