-- The model version that scores customers, per target (purchase_propensity,
-- churn_risk): the champion, i.e. the latest version of prediction_model_registry whose
-- champion decision promoted it; or, with the var prediction_model_version, that
-- version for both targets (roll back). A pinned version that is not stored stops the
-- build with a message. With the var model_export_dir the registry comes from its
-- Parquet export (the Spark build runs no Python).
-- depends_on: {{ ref('prediction_model_registry') }}
with

registry as (

    select
        model_version,
        target,
        version_number,
        decision,
        threshold,
        feature_list
    from {{ stored_model_table('prediction_model_registry') }}

),

ranked as (

    select
        *,
        row_number() over (partition by target order by version_number desc) as newest_first
    from registry
    {%- if var('prediction_model_version') is not none %}
        where model_version = '{{ var("prediction_model_version") }}'
    {%- else %}
        where decision = 'promoted'
    {%- endif %}

),

targets as (

    select 'purchase_propensity' as target
    union all
    select 'churn_risk' as target

),

final as (

    select
        targets.target,
        case
            when ranked.newest_first is null
                then {{ raise_error(
                    model.name ~ ': no stored prediction model '
                    ~ (var('prediction_model_version') or '(champion)')
                    ~ ' in prediction_model_registry (or the export in model_export_dir); '
                    ~ 'see prediction_model_metrics for the versions'
                ) }}
            else ranked.model_version
        end as model_version,
        ranked.threshold,
        ranked.feature_list
    from targets
    left join ranked
        on
            targets.target = ranked.target
            and ranked.newest_first = 1

)

select * from final
