with

base as (

    select * from {{ ref('base_raw__consents') }}
    where row_status = 'staged'

),

final as (

    select
        -- ids
        customer_id,

        -- text
        consent_purpose,

        -- booleans
        is_granted,

        -- timestamps
        recorded_at

    from base

)

select * from final
