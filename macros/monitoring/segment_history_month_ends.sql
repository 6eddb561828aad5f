{#-
    A select of the month ends int_customer_segments_by_month scores: the latest
    segment_history_months month ends of customer_features_monthly and every month
    drift compares (int_drift_periods), once each.
-#}
{% macro segment_history_month_ends() %}
    select ranked.month_end
    from (
        select
            month_ends.month_end,
            row_number() over (order by month_ends.month_end desc) as months_back
        from (
            select distinct monthly.month_end
            from {{ ref('customer_features_monthly') }} as monthly
        ) as month_ends
    ) as ranked
    where ranked.months_back <= {{ var('segment_history_months') }}
    union
    select drift.month_end from {{ ref('int_drift_periods') }} as drift
{%- endmacro %}
