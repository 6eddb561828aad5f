-- One row per segment of the current model: size, share, revenue and the typical
-- (median) features next to the population's, with the segment's name and a plain
-- description (segment_profiles and segment_personas), and the segment's average
-- purchase propensity and churn risk (customer_predictions).
-- depends_on: {{ ref('segment_personas') }}
with

profiles as (

    select * from {{ ref('segment_profiles') }}

),

personas as (

    select * from {{ stored_model_table('segment_personas') }}

),

segment_predictions as (

    select
        assignments.model_version,
        assignments.segment_id,
        {{ fixed_point_sum('predictions.purchase_propensity') }} / count(*)
            as avg_purchase_propensity,
        {{ fixed_point_sum('predictions.churn_risk') }} / count(*) as avg_churn_risk
    from {{ ref('customer_segment_assignments') }} as assignments
    inner join {{ ref('customer_predictions') }} as predictions
        on assignments.customer_id = predictions.customer_id
    group by assignments.model_version, assignments.segment_id

),

final as (

    select
        -- ids
        profiles.model_version,
        cast(profiles.segment_id as integer) as segment_id,
        personas.persona_name as segment_name,
        personas.persona_description as segment_description,

        -- size and revenue
        cast(profiles.customers as integer) as customers,
        cast(profiles.customer_share as double) as customer_share,
        cast(profiles.gross_revenue_usd as decimal(18, 4)) as gross_revenue_usd,
        cast(profiles.revenue_share as double) as revenue_share,

        -- typical features (medians) of the segment and of all customers
        cast(profiles.median_recency_days as double) as median_recency_days,
        cast(profiles.median_frequency as double) as median_frequency,
        cast(profiles.median_monetary as double) as median_monetary_usd,
        cast(profiles.median_typical_order_value as double) as median_typical_order_value_usd,
        cast(profiles.median_engagement_score as double) as median_engagement_score,
        cast(profiles.overall_median_recency_days as double) as overall_median_recency_days,
        cast(profiles.overall_median_frequency as double) as overall_median_frequency,
        cast(profiles.overall_median_monetary as double) as overall_median_monetary_usd,
        cast(profiles.overall_median_typical_order_value as double)
            as overall_median_typical_order_value_usd,
        cast(profiles.overall_median_engagement_score as double)
            as overall_median_engagement_score,

        -- predictions: averages over the segment's customers
        cast(segment_predictions.avg_purchase_propensity as double) as avg_purchase_propensity,
        cast(segment_predictions.avg_churn_risk as double) as avg_churn_risk

    from profiles
    left join personas
        on
            profiles.model_version = personas.model_version
            and profiles.segment_id = personas.segment_id
    left join segment_predictions
        on
            profiles.model_version = segment_predictions.model_version
            and profiles.segment_id = segment_predictions.segment_id

)

select * from final
