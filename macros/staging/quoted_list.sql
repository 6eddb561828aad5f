{#- A list of strings as a SQL list of literals: ['a', 'b'] -> 'a', 'b' -#}
{% macro quoted_list(values) -%}
    {%- for value in values -%}
        '{{ value }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
