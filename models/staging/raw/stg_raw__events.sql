with

base as (

    select * from {{ ref('base_raw__events') }}
    where row_status = 'staged'

),

final as (

    select
        -- ids
        event_id,
        customer_id,
        session_id,

        -- text
        event_type,

        -- timestamps
        occurred_at,
        loaded_at,

        -- lineage
        write_batch

    from base

)

select * from final
