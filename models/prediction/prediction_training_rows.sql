-- The rows the prediction models learn from: customer_features_monthly at every month
-- end whose 30-day label is known, with both labels (the 90-day one may still be null),
-- and only the columns of the var prediction_features. Bounded: at most var
-- prediction_rows_per_month customers per month end, a pseudo-random sample that is the
-- same on every engine and run for the same var random_seed (ordered by the MD5 of the
-- customer id salted with the seed), so the fit stays small however many customers
-- there are, and every month end keeps its share for the time-based holdout.
-- Recomputed whenever prediction_retrain is true, kept as the last retrain left it
-- while it is false (as int_customer_purchase_labels).
{{ config(full_refresh=(true if boolean_var('prediction_retrain') else none)) }}
with

labels as (

    select * from {{ ref('int_customer_purchase_labels') }}
    where purchased_next_30d is not null

),

features as (

    select * from {{ ref('customer_features_monthly') }}

),

ranked as (

    select
        labels.customer_id,
        labels.month_end,
        labels.purchased_next_30d,
        labels.churned_next_90d,
        row_number() over (
            partition by labels.month_end
            order by md5(labels.customer_id || '-{{ var("random_seed") }}'), labels.customer_id
        ) as sample_rank
    from labels

),

final as (

    select
        -- ids
        ranked.customer_id,
        ranked.month_end,

        -- features
        {%- for feature in var('prediction_features') %}
            features.{{ feature }},
        {%- endfor %}

        -- labels
        ranked.purchased_next_30d,
        ranked.churned_next_90d

    from ranked
    inner join features
        on
            ranked.customer_id = features.customer_id
            and ranked.month_end = features.month_end
    where ranked.sample_rank <= {{ var('prediction_rows_per_month') }}

)

{{ select_unless_kept_between_retrains('final') }}
