{#
    Returns one row when the raw rows of a source table do not add up to
    staged rows + rows removed as duplicates + quarantined rows.
    Duplicates are counted from the raw table itself, in one pass over its keys:
    rows with a usable key minus distinct keys (every key keeps exactly one row,
    staged or quarantined).
    key_expressions: SQL expressions over the raw table giving the dedup key, the
    first of which must be non-null for a row to have a key at all.
#}
{% macro reconcile_raw_rows(table_name, staged_model, key_expressions) %}
    {%- set key_columns = [] %}
    {%- for expression in key_expressions %}
        {%- do key_columns.append('key_' ~ loop.index) %}
    {%- endfor %}

    with

    raw_rows as (

        select * from {{ source('raw', table_name) }}

    ),

    raw_keys as (

        select
            {% for expression in key_expressions -%}
                {{ expression }} as key_{{ loop.index }}{{ ',' if not loop.last }}
            {% endfor %}
        from raw_rows

    ),

    -- one pass over the raw keys: each key's rows, duplicates being all but one of
    -- them (rows without a usable key are no duplicates)
    key_groups as (

        select
            {{ key_columns | join(', ') }},
            count(*) as key_rows
        from raw_keys
        group by {{ key_columns | join(', ') }}

    ),

    raw_counts as (

        select
            coalesce(sum(key_rows), 0) as raw_row_count,
            coalesce(sum(case when key_1 is not null then key_rows - 1 else 0 end), 0)
                as duplicate_row_count
        from key_groups

    ),

    counts as (

        select
            raw_counts.raw_row_count,
            (select count(*) from {{ ref(staged_model) }}) as staged_row_count,
            raw_counts.duplicate_row_count,
            (
                select count(*) from {{ ref('stg_raw__quarantined_rows') }}
                where source_table = '{{ table_name }}'
            ) as quarantined_row_count
        from raw_counts

    )

    select *
    from counts
    where raw_row_count != staged_row_count + duplicate_row_count + quarantined_row_count

{% endmacro %}
