{#-
    What a pass of the test vouches for: its kind and arguments. A record of another
    definition of the same test (other values, other columns) is not used.
-#}
{% macro scoped_test_fingerprint(test) %}
    {%- set kwargs = {} -%}
    {%- for name, value in test.test_metadata.kwargs.items() if name != 'model' -%}
        {%- do kwargs.update({name: value}) -%}
    {%- endfor -%}
    {{ return(local_md5('scoped-v1|' ~ test.test_metadata.name ~ '|' ~ tojson(kwargs, sort_keys=true))) }}
{% endmacro %}
