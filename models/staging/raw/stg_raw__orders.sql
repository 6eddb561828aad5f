with

base as (

    select * from {{ ref('base_raw__orders') }}
    where row_status = 'staged'

),

final as (

    select
        -- ids
        order_id,
        customer_id,

        -- text
        order_status,
        currency_code,

        -- numerics
        amount,

        -- timestamps
        ordered_at,
        loaded_at,

        -- lineage
        write_batch

    from base

)

select * from final
