{#
    Fails for every row where the boolean SQL expression is not true (false or null).
    On a model: any expression over its columns (`recency <= t`). On a column: the
    expression continues the column name (`>= 0`, `between 0 and 100`).
#}
{% test expression_is_true(model, expression, column_name=none) %}

    select *
    from {{ model }}
    where not coalesce({{ column_name ~ ' ' if column_name }}{{ expression }}, false)

{% endtest %}
