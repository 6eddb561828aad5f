{#-
    ln(amount) of one order as an exact decimal (12 decimal places), so sums of logs
    do not depend on the order rows are added in and the geometric mean is the same
    on every engine, run and grain (orders, days, months).
-#}
{% macro order_value_log(amount) -%}
    cast(ln(cast({{ amount }} as double)) as decimal(38, 12))
{%- endmacro %}

{#-
    Typical order value: the geometric mean of the amounts of completed orders with a
    positive amount, exp(sum of ln(amount) / count); null without such an order.
    Unlike the average order value, one large basket barely moves it.
-#}
{% macro typical_order_value(order_value_log_sum, priced_orders) -%}
    case
        when {{ priced_orders }} > 0
            then exp(cast({{ order_value_log_sum }} as double) / {{ priced_orders }})
    end
{%- endmacro %}
