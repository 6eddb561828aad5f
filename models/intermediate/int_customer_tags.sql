-- Activation tags of every eligible customer, one row per customer and tag, from
-- documented rules on the RFM scores and features as of int_as_of_date:
--   high_value       m_score = 5 (top fifth by net revenue)
--   at_risk          r_score <= 2 and f_score >= 3 (bought often, not lately)
--   new_customer     tenure_days <= var new_customer_days (90)
--   lapsed           has ordered, last order more than var lapsed_days (180) ago
--   never_purchased  no completed order
--   highly_engaged   engagement_score >= var highly_engaged_score (40)
--   likely_to_buy    purchase_propensity reaches its model's threshold (customer_predictions)
--   churn_risk       churn_risk reaches its model's threshold
-- A customer can have several tags or none.
{%- set rules = {
    'high_value': 'm_score = 5',
    'at_risk': 'r_score <= 2 and f_score >= 3',
    'new_customer': 'tenure_days <= ' ~ var('new_customer_days'),
    'lapsed': 'frequency > 0 and recency_days > ' ~ var('lapsed_days'),
    'never_purchased': 'frequency = 0',
    'highly_engaged': 'engagement_score >= ' ~ var('highly_engaged_score'),
    'likely_to_buy': 'is_likely_to_buy',
    'churn_risk': 'is_churn_risk',
} %}
with

rfm as (

    select * from {{ ref('customer_rfm_scores') }}

),

features as (

    select * from {{ ref('customer_features') }}

),

predictions as (

    select * from {{ ref('customer_predictions') }}

),

customers as (

    select
        rfm.customer_id,
        rfm.as_of_date,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.frequency,
        rfm.recency_days,
        features.tenure_days,
        features.engagement_score,
        predictions.is_likely_to_buy,
        predictions.is_churn_risk
    from rfm
    inner join features
        on rfm.customer_id = features.customer_id
    inner join predictions
        on rfm.customer_id = predictions.customer_id

),

final as (
    {%- for tag, condition in rules.items() %}
        select
            customer_id,
            '{{ tag }}' as customer_tag,
            as_of_date
        from customers
        where {{ condition }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from final
