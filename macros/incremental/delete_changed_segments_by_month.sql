{#-
    Pre-hook of int_customer_segments_by_month on incremental runs: deletes every
    stored row when the model version that scores changed or the history has a new
    latest month end, else every row whose monthly features changed (their hash
    differs) or are gone. The model then scores the rows missing from the table, so the
    result equals a full refresh. Changing segment_history_months or the drift periods
    needs a --full-refresh. Renders nothing on a first build or a --full-refresh.
    When segments_unseen_batch gives a batch (same model version, same month ends),
    only the customers with a monthly row written at or after it are compared, and
    those no longer eligible deleted: the other customers' monthly rows are the ones
    the table scored.
-#}
{% macro delete_changed_segments_by_month() %}
    {% if is_incremental() %}
        {{ require_stored_columns(['features_hash']) }}
        {%- set centroids = stored_model_table('segment_centroids') %}
        {%- set monthly = ref('customer_features_monthly') %}
        {%- set since = segments_unseen_batch() %}
        {%- set monthly_hashes -%}
            select
                monthly.customer_id,
                monthly.month_end,
                {{ scoring_inputs_hash('monthly') }}
            from {{ monthly }} as monthly
        {%- endset %}
        delete from {{ this }} as stored
        where
        {%- if since is none %}
            stored.model_version not in ({{ scored_model_versions(centroids) }})
            or (select max(scored.month_end) from {{ this }} as scored)
            != (select max(history.month_end) from {{ monthly }} as history)
            -- an uncorrelated row comparison: DuckDB plans the correlated `not exists`
            -- it replaces by grouping every stored row first (twice as slow on the 1M
            -- daily run). No column here is null (tested), so `not in` is exact
            or (stored.customer_id, stored.month_end, stored.features_hash) not in (
                {{ monthly_hashes }}
            )
        {%- else %}
            {%- set rewritten = customers_rewritten_since(monthly, since) %}
            -- (the model version and the month ends are those stored: segments_unseen_batch;
            -- customer_features_monthly holds the eligible customers, as this table does)
            {{ no_longer_eligible('stored.customer_id') }}
            or (
                stored.customer_id in ({{ rewritten }})
                and (stored.customer_id, stored.month_end, stored.features_hash) not in (
                    {{ monthly_hashes }}
                    where monthly.customer_id in ({{ rewritten }})
                )
            )
        {%- endif %}
    {% endif %}
{% endmacro %}
