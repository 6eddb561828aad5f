-- Every one of the 125 (R, F, M) score cells must match at least one rule of the seed
-- rfm_segment_rules, or some customers would get no named segment. Fails with the
-- cells that no rule matches.
with

scores as (

    select generated_number as score
    from ({{ dbt.generate_series(5) }}) as numbers

),

cells as (

    select
        r.score as r_score,
        f.score as f_score,
        m.score as m_score
    from scores as r
    cross join scores as f
    cross join scores as m

),

rules as (

    select * from {{ ref('rfm_segment_rules') }}

)

select cells.*
from cells
where not exists (
    select 1
    from rules
    where
        cells.r_score between rules.r_score_min and rules.r_score_max
        and cells.f_score between rules.f_score_min and rules.f_score_max
        and cells.m_score between rules.m_score_min and rules.m_score_max
)
