-- Exactly one next best action per eligible customer: the action of the rule of the
-- seed personalization_rules with the lowest priority whose every filled condition
-- holds (customer tag, named RFM segment, model segment, engagement score range), or
-- the var next_best_action_default when no rule matches. Rules are data: editing the
-- seed changes the actions, not this SQL.
with

-- segment, named RFM segment and engagement score of every eligible customer
segments as (

    select * from {{ ref('dim_customer_segments') }}

),

tags as (

    select * from {{ ref('int_customer_tags') }}

),

-- a blank condition (null, '' or spaces: macro blank_to_null) matches any customer
rules as (

    select
        priority,
        rule_name,
        {{ blank_to_null('customer_tag') }} as customer_tag,
        {{ blank_to_null('rfm_segment') }} as rfm_segment,
        segment_id,
        min_engagement_score,
        max_engagement_score,
        action
    from {{ ref('personalization_rules') }}

),

customers as (

    select
        customer_id,
        assigned_as_of as as_of_date,
        engagement_score,
        rfm_segment,
        segment_id
    from segments

),

matches as (

    select
        customers.customer_id,
        rules.priority,
        rules.rule_name,
        rules.action
    from customers
    cross join rules
    left join tags
        on
            customers.customer_id = tags.customer_id
            and rules.customer_tag = tags.customer_tag
    where
        (rules.customer_tag is null or tags.customer_id is not null)
        and (rules.rfm_segment is null or rules.rfm_segment = customers.rfm_segment)
        and (rules.segment_id is null or rules.segment_id = customers.segment_id)
        and (
            rules.min_engagement_score is null
            or customers.engagement_score >= rules.min_engagement_score
        )
        and (
            rules.max_engagement_score is null
            or customers.engagement_score <= rules.max_engagement_score
        )

),

ranked as (

    select
        customer_id,
        priority,
        rule_name,
        action,
        row_number() over (partition by customer_id order by priority asc) as match_rank,
        count(*) over (partition by customer_id) as matched_rules
    from matches

),

final as (

    select
        -- ids
        customers.customer_id,

        -- action
        coalesce(ranked.action, '{{ var("next_best_action_default") }}') as next_best_action,
        coalesce(ranked.rule_name, 'default') as rule_name,
        cast(ranked.priority as integer) as rule_priority,
        ranked.customer_id is null as is_default_action,
        cast(coalesce(ranked.matched_rules, 0) as integer) as matched_rules,

        -- dates
        customers.as_of_date

    from customers
    left join ranked
        on
            customers.customer_id = ranked.customer_id
            and ranked.match_rank = 1

)

select * from final
