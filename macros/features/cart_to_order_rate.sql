{#-
    Completed orders per session with an add-to-cart, over the same window, capped at 1
    (an order placed without a tracked cart still counts); 0 without a cart session.
-#}
{% macro cart_to_order_rate(completed_orders, cart_sessions) -%}
    case
        when {{ cart_sessions }} = 0 then 0.0
        else least(1.0, cast({{ completed_orders }} as double) / cast({{ cart_sessions }} as double))
    end
{%- endmacro %}
