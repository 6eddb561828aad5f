{#
    Returns one row when the raw rows of a source table do not add up to
    staged rows + rows removed as duplicates + quarantined rows.
    Duplicates are counted from the raw table itself: rows with a usable key
    minus distinct keys (every key keeps exactly one row, staged or quarantined).
    key_expressions: SQL expressions over the raw table giving the dedup key, the
    first of which must be non-null for a row to have a key at all.
#}
{% macro reconcile_raw_rows(table_name, staged_model, key_expressions) %}

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

    keyed_rows as (

        select * from raw_keys
        where key_1 is not null

    ),

    distinct_keys as (

        select distinct * from keyed_rows

    ),

    counts as (

        select
            (select count(*) from raw_rows) as raw_row_count,
            (select count(*) from {{ ref(staged_model) }}) as staged_row_count,
            (select count(*) from keyed_rows)
            - (select count(*) from distinct_keys) as duplicate_row_count,
            (
                select count(*) from {{ ref('stg_raw__quarantined_rows') }}
                where source_table = '{{ table_name }}'
            ) as quarantined_row_count

    )

    select *
    from counts
    where raw_row_count != staged_row_count + duplicate_row_count + quarantined_row_count

{% endmacro %}
