-- One row per eligible customer: the segment of the current model with its name, the
-- RFM scores and named RFM segment, the key features behind them, and the purchase
-- propensity and churn risk of customer_predictions, for BI tools.
-- No email or name: the customer key is the only identifier.
-- depends_on: {{ ref('segment_personas') }}
with

assignments as (

    select * from {{ ref('customer_segment_assignments') }}

),

personas as (

    select * from {{ stored_model_table('segment_personas') }}

),

rfm as (

    select * from {{ ref('customer_rfm_scores') }}

),

features as (

    select * from {{ ref('customer_features') }}

),

predictions as (

    select * from {{ ref('customer_predictions') }}

),

final as (

    select
        -- ids
        features.customer_id,
        cast(assignments.segment_id as integer) as segment_id,
        personas.persona_name as segment_name,
        assignments.model_version,

        -- rfm
        cast(rfm.r_score as integer) as r_score,
        cast(rfm.f_score as integer) as f_score,
        cast(rfm.m_score as integer) as m_score,
        rfm.rfm_cell,
        rfm.rfm_segment,

        -- key features
        cast(features.recency_days as integer) as recency_days,
        cast(features.frequency as integer) as frequency,
        cast(features.monetary as double) as monetary_usd,
        cast(features.typical_order_value as double) as typical_order_value_usd,
        cast(features.orders_per_active_month as double) as orders_per_active_month,
        cast(features.days_since_last_activity as integer) as days_since_last_activity,
        cast(features.engagement_score as double) as engagement_score,
        cast(features.tenure_days as integer) as tenure_days,

        -- fit
        cast(assignments.membership_probability as double) as membership_probability,

        -- predictions
        predictions.purchase_propensity,
        predictions.purchase_propensity_decile,
        predictions.churn_risk,
        predictions.churn_risk_decile,

        -- dates
        assignments.assigned_as_of

    from features
    inner join assignments
        on features.customer_id = assignments.customer_id
    inner join rfm
        on features.customer_id = rfm.customer_id
    inner join predictions
        on features.customer_id = predictions.customer_id
    left join personas
        on
            assignments.model_version = personas.model_version
            and assignments.segment_id = personas.segment_id

)

select * from final
