{#-
    Completed orders per month of the customer's active span: frequency divided by
    the days from the first to the last activity (order or visit), both included, in
    months of 30.44 days, with at least one month. 0 without orders.
-#}
{% macro orders_per_active_month(frequency, first_activity_date, last_activity_date) -%}
    case
        when {{ frequency }} > 0
            then cast({{ frequency }} as double) / greatest(
                cast(1 as double),
                cast({{ days_between(first_activity_date, last_activity_date) }} + 1 as double)
                / 30.44
            )
        else 0.0
    end
{%- endmacro %}
