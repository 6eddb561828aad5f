-- Every customer of customer_features_monthly at each of the latest
-- segment_history_months month ends and at every month drift compares (int_drift_periods),
-- assigned with the current model version (the
-- one customer_segment_assignments scores) by the macro segment_scoring: segments
-- over time are comparable because one model labels every month.
-- Incremental: the pre-hook deletes the rows to rescore (all of them for another model
-- version or a new month end; else the rows whose scored features changed, by a hash)
-- and a run scores the rows missing from the table: those of the customers whose
-- monthly rows were written since the table's latest batch (macro
-- segments_unseen_batch), or of every customer after a delete of every row.
-- With var customer_buckets above 1 it scores that many parts of the customers, one
-- query each (post-hook), so that its aggregation stays within memory at scale.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_changed_segments_by_month() }}",
        post_hook="{{ insert_other_customer_buckets(ref('customer_features_monthly')) }}",
    )
}}
-- depends_on: {{ ref('segment_centroids') }}, {{ ref('int_customers_filtered_to_eligible') }}
{%- set since = segments_unseen_batch() %}
with

monthly as (

    select monthly.*
    from {{ ref('customer_features_monthly') }} as monthly
    where {{ in_customer_bucket('monthly.customer_id') }}

),

-- the month ends to score (of every customer, whichever part of them this query scores)
scored_months as (

    {{ segment_history_month_ends() }}

),

history_features as (

    select
        monthly.*,
        monthly.month_end as as_of_date,
        {{ scoring_inputs_hash('monthly') }} as features_hash
    from monthly
    inner join scored_months
        on monthly.month_end = scored_months.month_end
    {% if is_incremental() %}
        -- after the pre-hook: the rows missing from the table; with a batch, of the
        -- customers whose monthly rows were written since the table's latest batch
        -- (the others' rows are stored as they were scored)
        {%- set rewritten = customers_rewritten_since(ref('customer_features_monthly'), since) %}
        {{ join_stored_keys(
            'monthly', ['customer_id', 'month_end'],
            stored_where=none if since is none else 'customer_id in (' ~ rewritten ~ ')',
        ) }}
        where
            {{ missing_from_this() }}
            {%- if since is not none %}
                and monthly.customer_id in ({{ rewritten }}) {{ few_customers_missing_marker(rewritten) }}
            {%- endif %}
    {% endif %}

),

{{ segment_scoring('history_features', carry=['features_hash']) }},

final as (

    select
        -- ids
        customer_id,
        segment_id,
        model_version,

        -- dates
        assigned_as_of as month_end,

        -- fit
        squared_distance,
        membership_probability,

        -- lineage
        features_hash,
        {{ write_batch() }} as write_batch

    from scoring_result

)

select * from final
