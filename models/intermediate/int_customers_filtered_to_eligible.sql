-- The customers the project may segment: their latest consent for the purpose
-- in the var segmentation_consent_purpose is granted, and they have not asked to
-- be forgotten. Every model after staging starts from here.
with

customers as (

    select * from {{ ref('stg_raw__customers') }}

),

consents as (

    select
        customer_id,
        recorded_at as consent_recorded_at
    from {{ ref('stg_raw__consents') }}
    where
        consent_purpose = '{{ var("segmentation_consent_purpose") }}'
        and is_granted

),

deletion_requests as (

    select customer_id from {{ ref('stg_raw__deletion_requests') }}

),

final as (

    select
        -- ids
        customers.customer_id,
        customers.email_hash,

        -- text
        customers.country_code,

        -- timestamps
        customers.signup_at,
        customers.updated_at,
        consents.consent_recorded_at

    from customers
    inner join consents
        on customers.customer_id = consents.customer_id
    left join deletion_requests
        on customers.customer_id = deletion_requests.customer_id
    where deletion_requests.customer_id is null

)

select * from final
