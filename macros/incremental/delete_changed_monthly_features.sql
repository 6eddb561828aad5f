{#-
    Pre-hook of customer_features_monthly on incremental runs: deletes every stored
    row when the month ends of the history moved (a new month end, an earlier first
    activity, another feature_history_months), else every stored customer whose rows
    may change, so that the following run, which adds the eligible customers missing
    from the table, leaves what a full refresh builds:
      * named by a load at or after the latest load counted in the table,
      * whose latest counted load differs from the daily activity's now,
      * whose signup date changed (the tenure at the latest month end differs),
      * no longer eligible.
    Renders nothing on a first build or a --full-refresh.
-#}
{% macro delete_changed_monthly_features() %}
    {% if is_incremental() %}
        {{ require_stored_columns(['last_loaded_at']) }}
        {%- set month_ends = ref('int_feature_month_ends') %}
        delete from {{ this }} as stored
        where
            exists (
                select stored_month.month_end from {{ this }} as stored_month
                except
                select history.month_end from {{ month_ends }} as history
                where history.is_in_history
            )
            or exists (
                select history.month_end from {{ month_ends }} as history
                where history.is_in_history
                except
                select stored_month.month_end from {{ this }} as stored_month
            )
            or {{ no_longer_eligible('stored.customer_id') }}
            or stored.customer_id in (
                {{ customers_named_by_new_loads() }}
                union all
                select latest.customer_id
                from {{ this }} as latest
                inner join {{ ref('int_customers_filtered_to_eligible') }} as eligible
                    on latest.customer_id = eligible.customer_id
                left join (
                    select
                        days.customer_id,
                        max(days.last_loaded_at) as last_loaded_at
                    from {{ ref('int_customer_activity_aggregated_to_days') }} as days
                    group by days.customer_id
                ) as activity
                    on latest.customer_id = activity.customer_id
                where
                    latest.month_end = (
                        select max(last_month.month_end) from {{ this }} as last_month
                    )
                    and (
                        latest.last_loaded_at is distinct from activity.last_loaded_at
                        or latest.tenure_days != {{ days_between(
                            'cast(eligible.signup_at as date)', 'latest.month_end'
                        ) }}
                    )
            )
    {% endif %}
{% endmacro %}
