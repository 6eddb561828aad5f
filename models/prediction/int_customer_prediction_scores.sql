-- Every eligible customer scored by the champion model of each target
-- (int_prediction_champions), in set-based SQL over the stored trees
-- (prediction_model_trees), so the per-customer work runs on any engine. Each customer
-- starts at the root of every tree and moves down one level per step (as many steps as
-- the deepest stored node, macro stored_tree_depth): left when the feature value is at most
-- the node's threshold, or, when it is null, when missing_go_left. The raw score is
-- the sum of the leaves reached (tree 0's leaves hold the model's baseline too), summed
-- as integers of 1e-12 (macro fixed_point_sum) so the total does not depend on row
-- order; the probability is
-- 1 / (1 + exp(-raw)). python/tests/test_prediction.py checks it against
-- scikit-learn's predict_proba.
-- depends_on: {{ ref('prediction_model_trees') }}
{%- set features = var('prediction_features') %}
{%- set depth = stored_tree_depth() %}
with

champions as (

    select
        target,
        model_version,
        threshold
    from {{ ref('int_prediction_champions') }}

),

trees as (

    select stored_trees.*
    from {{ stored_model_table('prediction_model_trees') }} as stored_trees
    inner join champions
        on
            stored_trees.model_version = champions.model_version
            and stored_trees.target = champions.target

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

-- every customer at the root (node 0) of every tree of its champions
step_0 as (

    select
        features.*,
        trees.target,
        trees.tree_index,
        trees.node_id
    from features
    cross join trees
    where trees.node_id = 0

),
{%- for step in range(1, depth + 1) %}

    step_{{ step }} as (

        select
            {%- for feature in features %}
                step_{{ step - 1 }}.{{ feature }},
            {%- endfor %}
            step_{{ step - 1 }}.customer_id,
            step_{{ step - 1 }}.as_of_date,
            step_{{ step - 1 }}.target,
            step_{{ step - 1 }}.tree_index,
            case
                when nodes.is_leaf then nodes.node_id
                when
                    case nodes.feature_name
                        {%- for feature in features %}
                            when '{{ feature }}' then step_{{ step - 1 }}.{{ feature }}
                        {%- endfor %}
                    end is null
                    then
                        case
                            when nodes.missing_go_left then nodes.left_child else nodes.right_child
                        end
                when
                    case nodes.feature_name
                        {%- for feature in features %}
                            when '{{ feature }}' then step_{{ step - 1 }}.{{ feature }}
                        {%- endfor %}
                    end <= nodes.threshold
                    then nodes.left_child
                else nodes.right_child
            end as node_id
        from step_{{ step - 1 }}
        inner join trees as nodes
            on
                step_{{ step - 1 }}.target = nodes.target
                and step_{{ step - 1 }}.tree_index = nodes.tree_index
                and step_{{ step - 1 }}.node_id = nodes.node_id

    ),
{%- endfor %}

leaves as (

    select
        step_{{ depth }}.customer_id,
        step_{{ depth }}.as_of_date,
        step_{{ depth }}.target,
        -- every row is at a leaf after that many steps; if not, stop rather than guess
        case
            when nodes.is_leaf then nodes.leaf_value
            else {{ raise_error(
                model.name ~ ': a prediction tree is deeper than the ' ~ depth
                ~ ' steps taken (prediction_model_trees changed during the build?)'
            ) }}
        end as leaf_value
    from step_{{ depth }}
    inner join trees as nodes
        on
            step_{{ depth }}.target = nodes.target
            and step_{{ depth }}.tree_index = nodes.tree_index
            and step_{{ depth }}.node_id = nodes.node_id

),

raw_scores as (

    select
        customer_id,
        as_of_date,
        target,
        {{ fixed_point_sum('leaf_value') }} as raw_score
    from leaves
    group by customer_id, as_of_date, target

),

final as (

    select
        -- ids
        raw_scores.customer_id,
        raw_scores.target,
        champions.model_version,

        -- dates
        raw_scores.as_of_date,

        -- scores
        raw_scores.raw_score,
        1 / (1 + exp(-raw_scores.raw_score)) as probability,
        1 / (1 + exp(-raw_scores.raw_score)) >= champions.threshold as is_predicted_positive

    from raw_scores
    inner join champions
        on raw_scores.target = champions.target

)

select * from final
