-- What was predicted, kept across builds so it can be checked once the future arrives
-- (prediction_outcomes): the predictions of customer_predictions, one snapshot per
-- calendar month of as_of_date (a later build in the same month replaces that month's
-- snapshot). Incremental: the pre-hook deletes the month's stored snapshot and every
-- row of customers who are no longer eligible; `--full-refresh` forgets the history.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_replaced_predictions() }}",
    )
}}
-- depends_on: {{ ref('int_as_of_date') }}
-- depends_on: {{ ref('int_customers_filtered_to_eligible') }}
with

predictions as (

    select * from {{ ref('customer_predictions') }}

),

final as (

    select
        -- ids
        customer_id,

        -- dates
        cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as prediction_month,
        as_of_date as predicted_as_of,

        -- predictions
        purchase_propensity,
        is_likely_to_buy,
        purchase_model_version,
        churn_risk,
        is_churn_risk,
        churn_model_version

    from predictions

)

select * from final
