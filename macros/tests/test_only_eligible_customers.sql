{#
    Fails for every row of a model after staging that belongs to a customer who may
    not be segmented: no granted consent for the var segmentation_consent_purpose
    (as the latest record), or a deletion request. The eligibility is recomputed
    here from staging, independently of int_customers_filtered_to_eligible.
#}
{% test only_eligible_customers(model, column_name) %}

    with

    consented as (

        select customer_id
        from {{ ref('stg_raw__consents') }}
        where
            consent_purpose = '{{ var("segmentation_consent_purpose") }}'
            and is_granted

    ),

    forgotten as (

        select customer_id from {{ ref('stg_raw__deletion_requests') }}

    )

    select model_rows.{{ column_name }}
    from {{ model }} as model_rows
    where
        model_rows.{{ column_name }} is not null
        and (
            model_rows.{{ column_name }} in (select forgotten.customer_id from forgotten)
            or model_rows.{{ column_name }} not in (select consented.customer_id from consented)
        )

{% endtest %}
