{#-
    A select of the customers (customer_id) with a row of `relation` written at or after
    the batch `batch` (column write_batch): for a model whose input rewrites whole
    customers, the only customers whose input rows may have changed since.
-#}
{% macro customers_rewritten_since(relation, batch) %}
    select rewritten.customer_id
    from {{ relation }} as rewritten
    where rewritten.write_batch >= {{ batch }}
{%- endmacro %}
