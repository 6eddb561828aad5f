{% macro customer_buckets() %}
    {#- The var customer_buckets: how many parts the customer-grain models that read
        every order and event are built in (1 = one query). A whole number, from YAML
        or from the command line's string. -#}
    {%- set value = var('customer_buckets') | string | trim -%}
    {%- if value.isdigit() and value | int >= 1 -%}
        {{ return(value | int) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "var customer_buckets must be a whole number of at least 1, got " ~ value
    ) }}
{% endmacro %}
