-- One row per eligible customer: the probability of a completed order in the next 30
-- days (purchase_propensity) and of none in the next 90 (churn_risk) as of as_of_date,
-- from each target's champion model (int_customer_prediction_scores), with deciles
-- (10 = the tenth of customers with the highest score; ties ordered by customer id)
-- and whether the score reaches the model's threshold (the likely_to_buy and
-- churn_risk tags).
with

scores as (

    select * from {{ ref('int_customer_prediction_scores') }}

),

purchase as (

    select * from scores
    where target = 'purchase_propensity'

),

churn as (

    select * from scores
    where target = 'churn_risk'

),

final as (

    select
        -- ids
        purchase.customer_id,

        -- dates
        purchase.as_of_date,

        -- purchase propensity
        cast(purchase.probability as double) as purchase_propensity,
        cast(ntile(10) over (
            order by purchase.probability, purchase.customer_id
        ) as integer) as purchase_propensity_decile,
        purchase.is_predicted_positive as is_likely_to_buy,
        purchase.model_version as purchase_model_version,

        -- churn risk
        cast(churn.probability as double) as churn_risk,
        cast(ntile(10) over (
            order by churn.probability, churn.customer_id
        ) as integer) as churn_risk_decile,
        churn.is_predicted_positive as is_churn_risk,
        churn.model_version as churn_model_version

    from purchase
    inner join churn
        on purchase.customer_id = churn.customer_id

)

select * from final
