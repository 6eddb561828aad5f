-- How right past predictions turned out, once their window is over: for every
-- snapshot of customer_prediction_history (one per month) and target, the customers
-- scored, what they went on to do in the 30 (purchase) or 90 (churn) days after the
-- prediction's as-of date, and precision, recall and F1 of the flags, ROC AUC of the
-- probabilities (the rank-sum formula, ties at their average rank) and the Brier
-- score. A snapshot appears once predicted_as_of + horizon is at most as_of_date, so
-- the rows over time show whether the models decay.
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

history as (

    select * from {{ ref('customer_prediction_history') }}

),

order_days as (

    select
        customer_id,
        activity_date
    from {{ ref('int_customer_activity_aggregated_to_days') }}
    where completed_orders > 0

),

predictions as (

    select
        customer_id,
        prediction_month,
        predicted_as_of,
        'purchase_propensity' as target,
        30 as horizon_days,
        purchase_model_version as model_version,
        purchase_propensity as probability,
        is_likely_to_buy as is_predicted_positive
    from history
    union all
    select
        customer_id,
        prediction_month,
        predicted_as_of,
        'churn_risk' as target,
        90 as horizon_days,
        churn_model_version as model_version,
        churn_risk as probability,
        is_churn_risk as is_predicted_positive
    from history

),

-- only predictions whose window is over
complete as (

    select
        predictions.*,
        {{ add_days('predictions.predicted_as_of', 'predictions.horizon_days') }}
            as outcome_known_on
    from predictions
    cross join as_of
    where
        {{ add_days('predictions.predicted_as_of', 'predictions.horizon_days') }}
        <= as_of.as_of_date

),

ordered_in_window as (

    select distinct
        complete.customer_id,
        complete.prediction_month,
        complete.target
    from complete
    inner join order_days
        on
            complete.customer_id = order_days.customer_id
            and complete.predicted_as_of < order_days.activity_date
            and complete.outcome_known_on >= order_days.activity_date

),

outcomes as (

    select
        complete.*,
        case
            when complete.target = 'purchase_propensity'
                then ordered_in_window.customer_id is not null
            else ordered_in_window.customer_id is null
        end as outcome
    from complete
    left join ordered_in_window
        on
            complete.customer_id = ordered_in_window.customer_id
            and complete.prediction_month = ordered_in_window.prediction_month
            and complete.target = ordered_in_window.target

),

ranked as (

    select
        *,
        -- average rank of equal probabilities, for the rank-sum ROC AUC
        rank() over (partition by prediction_month, target order by probability)
        + cast(
            count(*) over (partition by prediction_month, target, probability) - 1 as double
        ) / 2 as probability_rank
    from outcomes

),

counts as (

    select
        prediction_month,
        target,
        min(predicted_as_of) as predicted_as_of,
        min(outcome_known_on) as outcome_known_on,
        min(model_version) as model_version,
        count(*) as customers,
        sum(case when outcome then 1 else 0 end) as positives,
        sum(case when is_predicted_positive then 1 else 0 end) as predicted_positives,
        sum(case when outcome and is_predicted_positive then 1 else 0 end) as true_positives,
        sum(case when outcome then probability_rank else 0 end) as positive_rank_sum,
        {{ fixed_point_sum('probability') }} / count(*) as mean_probability,
        {{ fixed_point_sum(
            '(probability - case when outcome then 1 else 0 end)'
            ~ ' * (probability - case when outcome then 1 else 0 end)'
        ) }} / count(*) as brier_score
    from ranked
    group by prediction_month, target

),

final as (

    select
        -- ids
        target,
        model_version,

        -- dates
        prediction_month,
        predicted_as_of,
        outcome_known_on,

        -- counts
        cast(customers as integer) as customers,
        cast(positives as integer) as positives,
        cast(predicted_positives as integer) as predicted_positives,
        cast(true_positives as integer) as true_positives,

        -- metrics (null when undefined)
        cast(case
            when predicted_positives > 0
                then cast(true_positives as double) / predicted_positives
        end as double) as precision_at_threshold,
        cast(case
            when positives > 0 then cast(true_positives as double) / positives
        end as double) as recall_at_threshold,
        cast(case
            when predicted_positives + positives > 0
                then cast(2 * true_positives as double) / (predicted_positives + positives)
        end as double) as f1_at_threshold,
        cast(case
            when positives > 0 and positives < customers
                then
                    (positive_rank_sum - cast(positives * (positives + 1) as double) / 2)
                    / (cast(positives as double) * (customers - positives))
        end as double) as roc_auc,
        cast(brier_score as double) as brier_score,
        cast(mean_probability as double) as mean_probability,
        cast(positives as double) / customers as realized_rate

    from counts

)

select * from final
