{#-
    Pre-hook of customer_prediction_history: the stored snapshot of the month being
    written (a later build in the same month replaces it), and every row of a customer
    who is no longer eligible (a deletion request or a withdrawn consent reaches the
    history too).
-#}
{% macro delete_replaced_predictions() %}
    {% if is_incremental() %}
        delete from {{ this }}
        where
            prediction_month = (
                select cast({{ dbt.date_trunc('month', 'as_of_date') }} as date)
                from {{ ref('int_as_of_date') }}
            )
            or {{ no_longer_eligible('customer_id') }}
    {% endif %}
{% endmacro %}
