{#-
    True when the customer `column` is no longer eligible (consent withdrawn, deletion
    requested): the incremental pre-hooks delete such customers' rows.
-#}
{% macro no_longer_eligible(column) %}
    {{ column }} not in (
        select eligible.customer_id
        from {{ ref('int_customers_filtered_to_eligible') }} as eligible
    )
{%- endmacro %}
