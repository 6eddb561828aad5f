{#-
    How many steps down the stored prediction trees the SQL scoring must take: the
    deepest node of prediction_model_trees (or of its export in model_export_dir), read
    when the model runs, so a champion trained with a larger max_depth than the var
    prediction_gradient_boosting.max_depth says now is still scored whole. Before the
    table exists (parsing, linting) it is that var.
-#}
{% macro stored_tree_depth() %}
    {%- set configured = var('prediction_gradient_boosting')['max_depth'] | int -%}
    {%- if not execute -%}
        {{ return(configured) }}
    {%- endif -%}
    {%- if var('model_export_dir') is none -%}
        {%- set trees = ref('prediction_model_trees') -%}
        {%- if adapter.get_relation(trees.database, trees.schema, trees.identifier) is none -%}
            {{ return(configured) }}
        {%- endif -%}
    {%- endif -%}
    {%- set result = run_query(
        'select max(depth) from ' ~ stored_model_table('prediction_model_trees')
    ) -%}
    {%- set deepest = result.columns[0].values()[0] -%}
    {{ return(configured if deepest is none else deepest | int) }}
{% endmacro %}
