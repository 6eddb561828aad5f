with

base as (

    select * from {{ ref('base_raw__customers') }}
    where row_status = 'staged'

),

final as (

    select
        -- ids
        customer_id,

        -- personal data leaves staging only as a hash
        {{ sha256('email') }} as email_hash,

        -- text
        country_code,

        -- timestamps
        signup_at,
        updated_at

    from base

)

select * from final
