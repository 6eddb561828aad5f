{#-
    first_unseen_batch(customer_features_monthly) for int_customer_segments_by_month,
    or none (compare every monthly row, as before) when that is none (among others:
    the first run after a full build, which would compare every customer anyway) or
    when the pre-hook rescores more than the customers whose monthly rows changed:
      * a stored row was scored by a model version that no longer scores, or
      * the month ends the model scores (segment_history_month_ends) are not the
        month ends stored (a new month end, other drift periods).
    Otherwise only customers with a monthly row written at or after that batch can
    have rows to rescore or add: customer_features_monthly deletes and rewrites whole
    customers, so the others' monthly rows are those the table scored.
-#}
{% macro segments_unseen_batch() %}
    {%- set since = first_unseen_batch(ref('customer_features_monthly')) -%}
    {%- if since is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set centroids = stored_model_table('segment_centroids') -%}
    {%- set query -%}
        with

        stored_months as (

            select distinct stored.month_end from {{ this }} as stored

        ),

        scored_months as (

            {{ segment_history_month_ends() }}

        )

        select
            (
                select count(*)
                from {{ this }} as stored
                where stored.model_version not in (
                    {{ scored_model_versions(centroids) }}
                )
            ),
            (
                select count(*)
                from (
                    (select month_end from stored_months except select month_end from scored_months)
                    union all
                    (select month_end from scored_months except select month_end from stored_months)
                ) as differing
            )
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[0] > 0 or row[1] > 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(since) }}
{% endmacro %}
