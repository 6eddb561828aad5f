-- The one date every feature is computed as of: the var as_of_date, or by default
-- the date of the latest staged order. Orders and events after it are ignored.
with

orders as (

    select ordered_at from {{ ref('stg_raw__orders') }}

),

final as (

    select
        coalesce(
            {%- if var('as_of_date') is not none %}
                cast('{{ var("as_of_date") }}' as date),
            {%- else %}
                cast(null as date),
            {%- endif %}
            cast(max(ordered_at) as date)
        ) as as_of_date
    from orders

)

select * from final
