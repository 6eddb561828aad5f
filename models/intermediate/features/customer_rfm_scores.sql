-- R, F and M scores from 1 to 5 by quintile, and the named RFM segment from the
-- editable seed rfm_segment_rules (the rule with the lowest priority that matches).
-- Quintiles come from ranks: score = 1 + floor(5 * (rank - 1) / customers), so equal
-- values always get equal scores and the result does not depend on row order.
-- Recency counts backwards (recent is 5); customers who never ordered score 1 on R.
with

rfm as (

    select * from {{ ref('customer_rfm') }}

),

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

ranked as (

    select
        *,
        rank() over (order by recency_days desc nulls first) as recency_rank,
        rank() over (order by frequency asc) as frequency_rank,
        rank() over (order by monetary asc) as monetary_rank,
        count(*) over () as customers
    from rfm

),

scored as (

    select
        *,
        cast(1 + floor(5 * cast(recency_rank - 1 as double) / customers) as integer) as r_score,
        cast(1 + floor(5 * cast(frequency_rank - 1 as double) / customers) as integer) as f_score,
        cast(1 + floor(5 * cast(monetary_rank - 1 as double) / customers) as integer) as m_score
    from ranked

),

matched as (

    select
        scored.*,
        rules.rfm_segment,
        rules.priority as rule_priority
    from scored
    left join rules
        on
            scored.r_score between rules.r_score_min and rules.r_score_max
            and scored.f_score between rules.f_score_min and rules.f_score_max
            and scored.m_score between rules.m_score_min and rules.m_score_max
    qualify row_number() over (
        partition by scored.customer_id
        order by rules.priority asc nulls last
    ) = 1

),

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

    from matched

)

select * from final
