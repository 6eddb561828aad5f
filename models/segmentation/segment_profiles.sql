-- One row per segment of the scored model version: its size and share of customers,
-- its share of gross revenue, and the medians of recency, frequency, monetary value,
-- typical order value and engagement, next to the same medians over every scored
-- customer. The input of segment_personas, which names the segments from them.
{#- the same figures per segment and over every scored customer -#}
{%- set profile_aggregates -%}
    count(*) as customers,
        sum(gross_revenue_usd) as gross_revenue_usd,
        percentile_cont(0.5) within group (order by recency_days) as median_recency_days,
        percentile_cont(0.5) within group (order by frequency) as median_frequency,
        percentile_cont(0.5) within group (order by monetary) as median_monetary,
        -- customers without a priced order have no typical order value: left out
        percentile_cont(0.5) within group (order by typical_order_value)
            as median_typical_order_value,
        percentile_cont(0.5) within group (order by engagement_score)
            as median_engagement_score
{%- endset %}
with

assignments as (

    select
        customer_id,
        segment_id,
        model_version
    from {{ ref('customer_segment_assignments') }}

),

features as (

    select
        customer_id,
        recency_days,
        frequency,
        monetary,
        typical_order_value,
        engagement_score
    from {{ ref('customer_features') }}

),

revenue as (

    select
        customer_id,
        gross_revenue_usd
    from {{ ref('customer_rfm') }}

),

customers as (

    select
        assignments.model_version,
        assignments.segment_id,
        features.recency_days,
        features.frequency,
        features.monetary,
        features.typical_order_value,
        features.engagement_score,
        revenue.gross_revenue_usd
    from assignments
    inner join features
        on assignments.customer_id = features.customer_id
    inner join revenue
        on assignments.customer_id = revenue.customer_id

),

population as (

    select
        model_version,
        {{ profile_aggregates }}
    from customers
    group by model_version

),

segments as (

    select
        model_version,
        segment_id,
        {{ profile_aggregates }}
    from customers
    group by model_version, segment_id

),

final as (

    select
        -- ids
        segments.model_version,
        segments.segment_id,

        -- size and value
        segments.customers,
        cast(segments.customers as double) / population.customers as customer_share,
        cast(segments.gross_revenue_usd as decimal(18, 4)) as gross_revenue_usd,
        case
            when population.gross_revenue_usd > 0
                then
                    cast(segments.gross_revenue_usd as double)
                    / cast(population.gross_revenue_usd as double)
            else 0.0
        end as revenue_share,

        -- segment medians
        cast(segments.median_recency_days as double) as median_recency_days,
        cast(segments.median_frequency as double) as median_frequency,
        cast(segments.median_monetary as double) as median_monetary,
        -- 0 when no customer of the segment has a priced order
        coalesce(cast(segments.median_typical_order_value as double), 0.0)
            as median_typical_order_value,
        cast(segments.median_engagement_score as double) as median_engagement_score,

        -- medians over every scored customer
        cast(population.median_recency_days as double) as overall_median_recency_days,
        cast(population.median_frequency as double) as overall_median_frequency,
        cast(population.median_monetary as double) as overall_median_monetary,
        coalesce(cast(population.median_typical_order_value as double), 0.0)
            as overall_median_typical_order_value,
        cast(population.median_engagement_score as double)
            as overall_median_engagement_score

    from segments
    inner join population
        on segments.model_version = population.model_version

)

select * from final
