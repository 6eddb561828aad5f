{#-
    The batch column of the model a test node is attached to, or none when the test
    is not scoped (see above). `test` is the test node: `model` while a test compiles,
    `result.node` in on-run-end.
-#}
{% macro scoped_test_column(test) %}
    {%- set metadata = test.test_metadata -%}
    {%- if not metadata or metadata.name not in scoped_test_kinds() or metadata.namespace -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if test.config.get('where') or not test.attached_node
        or test.attached_node not in graph.nodes -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for name, value in metadata.kwargs.items() if name != 'model' -%}
        {%- if '{{' in (value | string) or '{%' in (value | string) -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(graph.nodes[test.attached_node].config.meta.get('tests_scoped_by')) }}
{% endmacro %}
