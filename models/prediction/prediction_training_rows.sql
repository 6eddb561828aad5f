-- The rows the prediction models learn from: the sample of int_customer_purchase_labels
-- (customer_features_monthly at every month end whose 30-day label is known, at most
-- var prediction_rows_per_month customers per month end) with both labels (the 90-day
-- one may still be null) and only the columns of the var prediction_features.
-- Recomputed whenever prediction_retrain is true, kept as the last retrain left it
-- while it is false (as int_customer_purchase_labels).
{{ config(full_refresh=(true if boolean_var('prediction_retrain') else none)) }}
with

labels as (

    select
        customer_id,
        month_end,
        purchased_next_30d,
        churned_next_90d
    from {{ ref('int_customer_purchase_labels') }}

),

features as (

    select * from {{ ref('customer_features_monthly') }}

),

final as (

    select
        -- ids
        labels.customer_id,
        labels.month_end,

        -- features
        {%- for feature in var('prediction_features') %}
            features.{{ feature }},
        {%- endfor %}

        -- labels
        labels.purchased_next_30d,
        labels.churned_next_90d

    from labels
    inner join features
        on
            labels.customer_id = features.customer_id
            and labels.month_end = features.month_end

)

{{ select_unless_kept_between_retrains('final') }}
