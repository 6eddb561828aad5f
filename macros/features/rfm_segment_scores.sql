{#-
    R, F and M scores from 1 to 5 by quintile within each period, and the named RFM
    segment from the rules relation (the matching rule with the lowest priority).
    Input: `rfm`, a relation or CTE with customer_id, the period column, recency_days
    (null for a customer who never ordered), frequency and monetary; `rules`, the seed
    rfm_segment_rules. Renders CTEs for a model's WITH clause; the last,
    `<prefix>_result`, has every column of `rfm` plus r_score, f_score, m_score,
    rfm_segment and rule_priority. Quintiles come from ranks within the period:
    score = 1 + floor(5 * (rank - 1) / customers), so equal values get equal scores
    and the result does not depend on row order. Recency counts backwards (recent is
    5); customers who never ordered score 1 on R.
-#}
{% macro rfm_segment_scores(rfm, rules, period_column, prefix='rfm') %}

{{ prefix }}_ranked as (

    select
        *,
        rank() over (
            partition by {{ period_column }} order by recency_days desc nulls first
        ) as recency_rank,
        rank() over (partition by {{ period_column }} order by frequency asc) as frequency_rank,
        rank() over (partition by {{ period_column }} order by monetary asc) as monetary_rank,
        count(*) over (partition by {{ period_column }}) as customers
    from {{ rfm }}

),

{{ prefix }}_scored as (

    select
        *,
        cast(1 + floor(5 * cast(recency_rank - 1 as double) / customers) as integer) as r_score,
        cast(1 + floor(5 * cast(frequency_rank - 1 as double) / customers) as integer) as f_score,
        cast(1 + floor(5 * cast(monetary_rank - 1 as double) / customers) as integer) as m_score
    from {{ prefix }}_ranked

),

{{ prefix }}_result as (

    select
        {{ prefix }}_scored.*,
        {{ prefix }}_rules.rfm_segment,
        {{ prefix }}_rules.priority as rule_priority
    from {{ prefix }}_scored
    left join {{ rules }} as {{ prefix }}_rules
        on
            {{ prefix }}_scored.r_score between {{ prefix }}_rules.r_score_min and {{ prefix }}_rules.r_score_max
            and {{ prefix }}_scored.f_score between {{ prefix }}_rules.f_score_min and {{ prefix }}_rules.f_score_max
            and {{ prefix }}_scored.m_score between {{ prefix }}_rules.m_score_min and {{ prefix }}_rules.m_score_max
    qualify row_number() over (
        partition by {{ prefix }}_scored.customer_id, {{ prefix }}_scored.{{ period_column }}
        order by {{ prefix }}_rules.priority asc nulls last
    ) = 1

)

{% endmacro %}
