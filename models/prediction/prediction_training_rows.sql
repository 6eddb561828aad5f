-- The rows the prediction models learn from: customer_features_monthly at every month
-- end whose 30-day label is known, with both labels (the 90-day one may still be null),
-- and only the columns of the var prediction_features. Bounded: at most var
-- prediction_rows_per_month customers per month end, a pseudo-random sample that is the
-- same on every engine and run for the same var random_seed (ordered by the MD5 of the
-- customer id salted with the seed; macro seeded_sample, which ranks only the rows that
-- can be in it), so the fit stays small however many customers there are, and every
-- month end keeps its share for the time-based holdout.
-- Recomputed whenever prediction_retrain is true, kept as the last retrain left it
-- while it is false (as int_customer_purchase_labels).
{{ config(full_refresh=(true if boolean_var('prediction_retrain') else none)) }}
{%- set labelled_rows -%}
    (
        select
            customer_id,
            month_end,
            purchased_next_30d,
            churned_next_90d
        from {{ ref('int_customer_purchase_labels') }}
        where purchased_next_30d is not null
    )
{%- endset %}
with

{{ seeded_sample(
    labelled_rows,
    'customer_id',
    var('prediction_rows_per_month'),
    partition_by=['month_end'],
) }},

features as (

    select * from {{ ref('customer_features_monthly') }}

),

final as (

    select
        -- ids
        sample_drawn.customer_id,
        sample_drawn.month_end,

        -- features
        {%- for feature in var('prediction_features') %}
            features.{{ feature }},
        {%- endfor %}

        -- labels
        sample_drawn.purchased_next_30d,
        sample_drawn.churned_next_90d

    from sample_drawn
    inner join features
        on
            sample_drawn.customer_id = features.customer_id
            and sample_drawn.month_end = features.month_end

)

{{ select_unless_kept_between_retrains('final') }}
