-- Every eligible customer scored by the champion model of each target
-- (int_prediction_champions), in set-based SQL over the stored trees
-- (prediction_model_trees), so the per-customer work runs on any engine. The macro
-- champion_tree_sums turns each champion's trees into nested case expressions when
-- the model runs (at a split: left when the feature value is at most the node's
-- threshold, or, when it is null, when missing_go_left), so each customer is scored
-- in one pass with no join. The raw score is the sum of the leaves reached (tree 0's
-- leaves hold the model's baseline too), summed as integers of 1e-12, as the macro
-- fixed_point_sum does, so it does not depend on the order of the trees; the
-- probability is 1 / (1 + exp(-raw)). python/tests/test_prediction.py checks it
-- against scikit-learn's predict_proba.
-- depends_on: {{ ref('prediction_model_trees') }}
{%- set trees = champion_tree_sums(
    ref('int_prediction_champions'), stored_model_table('prediction_model_trees')
) %}
{#- the configured features, and any other a pinned older champion splits on #}
{%- set configured = var('prediction_features') %}
{%- set features = configured + trees.features | reject('in', configured) | list %}
with

champions as (

    select
        target,
        model_version,
        threshold
    from {{ ref('int_prediction_champions') }}

),

features as (

    select
        customer_id,
        {%- for feature in features %}
            cast({{ feature }} as double) as {{ feature }},
        {%- endfor %}
        as_of_date
    from {{ ref('customer_features') }}

),

raw_scores as (

    {#- at parse time (and for lint) the trees are not known yet: one branch, no rows #}
    {%- for tree_sum in trees.sums or [none] %}
        {%- set join_condition = "champions.target = '" ~ tree_sum.target ~ "'"
            if tree_sum else 'features.customer_id is null' %}
        select
            features.customer_id,
            features.as_of_date,
            champions.target,
            champions.model_version,
            champions.threshold,
            {%- if tree_sum %}
                {{ fixed_point_value(tree_sum.expression) }} as raw_score
            {%- else %}
                cast(null as double) as raw_score
            {%- endif %}
        from features
        inner join champions
            on {{ join_condition }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        -- ids
        customer_id,
        target,
        model_version,

        -- dates
        as_of_date,

        -- scores
        raw_score,
        1 / (1 + exp(-raw_score)) as probability,
        1 / (1 + exp(-raw_score)) >= threshold as is_predicted_positive

    from raw_scores

)

select * from final
