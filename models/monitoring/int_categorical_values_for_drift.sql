-- The monitored categorical columns of every customer at the current and the
-- baseline period (int_drift_periods): segment_id (the current model's
-- segment that month, int_customer_segments_by_month), rfm_segment (the named RFM
-- segment from that month's R, F and M quintiles, macro rfm_segment_scores) and
-- country. One row per customer, period and column: the long input of the macro
-- categorical_drift in segment_drift.
{{ after_at_scale('int_feature_drift_by_period') }}
with

periods as (

    -- the latest period only: categorical drift is reported for it
    select * from {{ ref('int_drift_periods') }}
    where is_latest_period

),

monthly as (

    select * from {{ ref('customer_features_monthly') }}

),

segments as (

    select * from {{ ref('int_customer_segments_by_month') }}

),

customers as (

    select * from {{ ref('int_customers_filtered_to_eligible') }}

),

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

period_features as (

    select
        monthly.customer_id,
        monthly.month_end,
        periods.side,
        periods.current_period,
        periods.baseline_period,
        -- customer_features_monthly counts recency from signup without an order;
        -- RFM scoring wants null there (scores 1 on R)
        case when monthly.frequency > 0 then monthly.recency_days end as recency_days,
        monthly.frequency,
        monthly.monetary
    from monthly
    inner join periods
        on monthly.month_end = periods.month_end

),

{{ rfm_segment_scores('period_features', 'rules', 'side') }},

labelled as (

    select
        rfm_result.customer_id,
        rfm_result.current_period,
        rfm_result.baseline_period,
        rfm_result.side,
        cast(segments.segment_id as {{ dbt.type_string() }}) as segment_id,
        rfm_result.rfm_segment,
        customers.country_code
    from rfm_result
    inner join customers
        on rfm_result.customer_id = customers.customer_id
    left join segments
        on
            rfm_result.customer_id = segments.customer_id
            and rfm_result.month_end = segments.month_end

),

final as (

    {%- for column in ['segment_id', 'rfm_segment', 'country_code'] %}
        select
            customer_id,
            current_period,
            baseline_period,
            side,
            '{{ column }}' as column_name,
            {{ column }} as category
        from labelled
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select * from final
