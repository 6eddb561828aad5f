{#-
    Share of gross completed revenue that came back as refunds or returns, from 0 to 1.
    Refunds can exceed or predate the purchases in the window (the purchase was earlier
    or in another currency rate), so the share is capped at 1; with refunds but no
    purchase it is 1, with neither it is 0.
-#}
{% macro refund_rate(gross_revenue, refunded_revenue) -%}
    case
        when {{ refunded_revenue }} <= 0 then 0.0
        when {{ gross_revenue }} <= 0 then 1.0
        else least(1.0, cast({{ refunded_revenue }} as double) / cast({{ gross_revenue }} as double))
    end
{%- endmacro %}
