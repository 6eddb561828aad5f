-- How right the prediction models were on the months they did not learn from: per
-- model version, target and validation month, ROC AUC, precision, recall and F1 at the
-- model's threshold, and the Brier score, next to the recency-only baseline's ROC AUC
-- (prediction_model_evaluations, a dbt Python model). A version is evaluated on its
-- own validation months (role challenger) and so is the champion it was compared with
-- (role champion), with the decision of that comparison from the registry.
-- depends_on: {{ ref('prediction_model_evaluations') }}
-- depends_on: {{ ref('prediction_model_registry') }}
with

evaluations as (

    select * from {{ stored_model_table('prediction_model_evaluations') }}

),

registry as (

    select * from {{ stored_model_table('prediction_model_registry') }}

),

final as (

    select
        -- ids
        evaluations.model_version,
        evaluations.target,
        evaluations.validation_of_version,
        evaluations.role,
        cast(evaluations.validation_month as date) as validation_month,

        -- what was evaluated
        cast(evaluations.threshold as double) as threshold,
        cast(evaluations.validation_rows as integer) as validation_rows,
        cast(evaluations.positives as integer) as positives,
        cast(evaluations.predicted_positives as integer) as predicted_positives,

        -- metrics
        cast(evaluations.roc_auc as double) as roc_auc,
        cast(evaluations.precision as double) as precision_at_threshold,
        cast(evaluations.recall as double) as recall_at_threshold,
        cast(evaluations.f1 as double) as f1_at_threshold,
        cast(evaluations.brier as double) as brier_score,
        cast(evaluations.baseline_roc_auc as double) as baseline_roc_auc,

        -- the training run the months validate, and its champion decision
        cast(registry.version_number as integer) as validation_of_version_number,
        cast(registry.trained_at as timestamp) as trained_at,
        registry.decision,
        registry.decision_reason

    from evaluations
    inner join registry
        on
            evaluations.validation_of_version = registry.model_version
            and evaluations.target = registry.target

)

select * from final
