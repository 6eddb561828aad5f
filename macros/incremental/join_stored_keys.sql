{#-
    A left join of the keys stored in the model's table to the rows of `alias`; with
    `missing_from_this()` in the where clause, the rows with no stored row of the same
    keys remain. After its pre-hook deleted what may have changed, an incremental model
    adds exactly those. A row whose key is null matches nothing, so it remains; a key
    stored in several rows (the loads of an order) multiplies only rows that the
    predicate drops. A join, not a correlated `not exists`: DuckDB decorrelates that by
    grouping every outer key first (README "Benchmark" has the figures).
    `stored_where`, when given, keeps only the stored rows it holds for (a predicate on
    the table's columns): when the query adds rows of few customers, only their stored
    keys need joining.
-#}
{% macro join_stored_keys(alias, keys, stored_where=none) %}
    left join (
        select
            {%- for key in keys %}
                {{ key }},
            {%- endfor %}
            true as is_stored
        from {{ this }}
        {%- if stored_where is not none %}
        where {{ stored_where }}
        {%- endif %}
    ) as stored_keys
        on
        {%- for key in keys %}
            {{ 'and ' if not loop.first }}stored_keys.{{ key }} = {{ alias }}.{{ key }}
        {%- endfor %}
{%- endmacro %}
