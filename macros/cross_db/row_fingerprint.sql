{#-
    A 64-bit fingerprint of a list of expressions, for telling changed rows from
    unchanged ones inside one warehouse (an incremental model compares the fingerprint
    it stored with today's). Fast, not portable: each engine has its own hash, so the
    same row gets different fingerprints on different engines (or DuckDB versions, which
    then only rescore once). DuckDB `hash(...)` (ubigint), Spark `xxhash64(...)`
    (bigint); elsewhere the MD5 of the values as text.
-#}
{% macro row_fingerprint(expressions) %}
    {{ return(adapter.dispatch('row_fingerprint', 'customer_segmentation')(expressions)) }}
{% endmacro %}

{% macro duckdb__row_fingerprint(expressions) -%}
    hash({{ expressions | join(', ') }})
{%- endmacro %}

{% macro spark__row_fingerprint(expressions) -%}
    xxhash64({{ expressions | join(', ') }})
{%- endmacro %}

{% macro default__row_fingerprint(expressions) -%}
    {%- set parts = [] %}
    {%- for expression in expressions %}
        {%- if not loop.first %}{% do parts.append("'|'") %}{% endif %}
        {%- do parts.append(
            "coalesce(cast(" ~ expression ~ " as " ~ dbt.type_string() ~ "), '~')"
        ) %}
    {%- endfor %}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
