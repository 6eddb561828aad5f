{#
    The champions' stored trees as SQL: for each target, one expression that a row of
    customer features evaluates to the model's raw score in integers of 1e-12 (macro
    fixed_point_units; the sum over the trees of the leaf each reaches). A tree becomes nested case expressions:
    at a split, left when the feature is at most the threshold, or, when it is null,
    when missing_go_left. Queried when the model runs, so it scores with the trees the
    build just stored (or the Parquet export in model_export_dir). Returns
    {sums: [{target, expression}], features: [the columns the trees split on]}; both
    empty at parse time and while the tables do not exist (lint). A champion
    without stored trees stops the build.
#}
{% macro champion_tree_sums(champions, trees) %}
    {#- parse time, and lint (which compiles against an empty warehouse) -#}
    {%- if not execute or load_relation(champions) is none
        or (var('model_export_dir') is none
            and load_relation(ref('prediction_model_trees')) is none) -%}
        {{ return({'sums': [], 'features': []}) }}
    {%- endif -%}
    {%- set nodes = run_query(
        'select trees.target, trees.tree_index, trees.node_id, trees.depth, trees.is_leaf,'
        ~ ' trees.feature_name, trees.missing_go_left, trees.left_child, trees.right_child,'
        ~ ' cast(trees.threshold as ' ~ dbt.type_string() ~ ') as threshold,'
        ~ ' cast(' ~ fixed_point_units('trees.leaf_value') ~ ' as ' ~ dbt.type_string()
        ~ ') as leaf_units'
        ~ ' from ' ~ trees ~ ' as trees inner join ' ~ champions ~ ' as champions'
        ~ ' on trees.model_version = champions.model_version and trees.target = champions.target'
        ~ ' order by trees.target, trees.tree_index, trees.depth desc, trees.node_id'
    ) -%}
    {%- set built = {} -%}
    {%- set roots = {} -%}
    {%- set features = [] -%}
    {%- for node in nodes.rows -%}
        {%- set key = node['target'] ~ '/' ~ node['tree_index'] ~ '/' -%}
        {%- if node['is_leaf'] -%}
            {%- set expression = node['leaf_units'] -%}
        {%- else -%}
            {%- if not modules.re.match('^[a-z_][a-z0-9_]*$', node['feature_name'] or '') -%}
                {{ exceptions.raise_compiler_error(
                    'prediction_model_trees: node ' ~ key ~ node['node_id'] ~ ' splits on '
                    ~ (node['feature_name'] | string) ~ ', which is not a feature column name'
                ) }}
            {%- endif -%}
            {%- if node['feature_name'] not in features -%}
                {%- do features.append(node['feature_name']) -%}
            {%- endif -%}
            {%- set left = key ~ (node['left_child'] | int) -%}
            {%- set right = key ~ (node['right_child'] | int) -%}
            {%- if left not in built or right not in built -%}
                {{ exceptions.raise_compiler_error(
                    'prediction_model_trees: node ' ~ key ~ node['node_id']
                    ~ ' has a child that is not one level deeper in the same tree'
                ) }}
            {%- endif -%}
            {%- set condition = node['feature_name'] ~ " <= cast('" ~ node['threshold'] ~ "' as double)"
                ~ (' or ' ~ node['feature_name'] ~ ' is null' if node['missing_go_left'] else '') -%}
            {%- set expression = 'case when ' ~ condition ~ ' then ' ~ built[left]
                ~ ' else ' ~ built[right] ~ ' end' -%}
        {%- endif -%}
        {%- do built.update({key ~ (node['node_id'] | int): expression}) -%}
        {%- if (node['node_id'] | int) == 0 -%}
            {%- do roots.setdefault(node['target'], []).append(
                'cast(' ~ expression ~ ' as bigint)'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set sums = [] -%}
    {%- for champion in run_query('select target, model_version from ' ~ champions ~ ' order by target').rows -%}
        {%- if champion['target'] not in roots -%}
            {{ exceptions.raise_compiler_error(
                'prediction_model_trees holds no tree of model ' ~ champion['model_version']
                ~ ', the champion for ' ~ champion['target']
                ~ ' (int_prediction_champions): rebuild prediction_model_trees'
            ) }}
        {%- endif -%}
        {%- do sums.append({'target': champion['target'], 'expression': roots[champion['target']] | join('\n + ')}) -%}
    {%- endfor -%}
    {{ return({'sums': sums, 'features': features | sort}) }}
{% endmacro %}
