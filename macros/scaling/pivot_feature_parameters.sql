{#-
    Aggregate expressions that turn per-feature parameter rows into columns: for every
    feature of the var scaled_features and every column in `columns`,
    `max(case when <feature_column> = '<feature>' then <column> end) as
    <feature>__<column>`, comma-separated (no trailing comma). A feature without a row
    gets nulls. `where`: a condition the rows must also meet; `prefix`: put before each
    column name.
-#}
{% macro pivot_feature_parameters(feature_column, columns, where=none, prefix='') -%}
    {%- for feature, transform in scaled_features() %}
        {%- set outer = loop %}
        {%- for column in columns %}
            max(case
                when {{ (where ~ ' and ') if where }}{{ feature_column }} = '{{ feature }}'
                    then {{ column }}
            end) as {{ prefix }}{{ feature }}__{{ column }}{{ "," if not (loop.last and outer.last) }}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}
