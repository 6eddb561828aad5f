{#
    Run by `on-run-end`. On an incremental run of a Python model, dbt-duckdb writes the
    new rows to `<model>__dbt_tmp<timestamp>` in the model's schema: it asks for a
    temporary relation, but the Python write makes an ordinary table, which nothing
    drops. Each such model would leave one table per build. This drops those tables of
    the project's incremental Python models once every model has run. Other adapters:
    nothing to do.
#}
{% macro drop_python_temp_tables() %}
    {{ return(adapter.dispatch('drop_python_temp_tables', 'customer_segmentation')()) }}
{% endmacro %}

{% macro default__drop_python_temp_tables() %}{% endmacro %}

{% macro duckdb__drop_python_temp_tables() %}
    {% if execute %}
        {% set models = graph.nodes.values()
            | selectattr('resource_type', 'equalto', 'model')
            | selectattr('language', 'equalto', 'python')
            | selectattr('config.materialized', 'equalto', 'incremental') %}
        {# the hook runs the drops this renders, in its own transaction #}
        {% for node in models %}
            {% set leftovers = run_query(
                "select table_name from information_schema.tables"
                ~ " where table_catalog = '" ~ node.database ~ "' and table_schema = '" ~ node.schema ~ "'"
                ~ " and table_type = 'BASE TABLE' and starts_with(table_name, '" ~ node.alias ~ "__dbt_tmp')"
            ) %}
            {% for row in leftovers.rows %}
                drop table {{ api.Relation.create(database=node.database, schema=node.schema, identifier=row[0]) }};
            {% endfor %}
        {% endfor %}
    {% endif %}
{% endmacro %}
