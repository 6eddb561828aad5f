-- R, F and M scores from 1 to 5 by quintile, and the named RFM segment from the
-- editable seed rfm_segment_rules (the rule with the lowest priority that matches),
-- by the macro rfm_segment_scores (also used for the monthly history in monitoring).
with

rfm as (

    select * from {{ ref('customer_rfm') }}

),

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

{{ rfm_segment_scores('rfm', 'rules', 'as_of_date') }},

final as (

    select
        -- ids
        customer_id,

        -- dates
        as_of_date,

        -- inputs
        recency_days,
        frequency,
        monetary,

        -- scores
        r_score,
        f_score,
        m_score,
        cast(r_score as {{ dbt.type_string() }})
        || cast(f_score as {{ dbt.type_string() }})
        || cast(m_score as {{ dbt.type_string() }}) as rfm_cell,
        rfm_segment,
        rule_priority

    from rfm_result

)

select * from final
