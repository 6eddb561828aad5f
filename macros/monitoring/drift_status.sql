{#-
    The status of a PSI: 'alert' at or above the var psi_alert, 'warn' at or above
    psi_warn, else 'ok'. One rule for every drift table.
-#}
{% macro drift_status(psi) -%}
    case
        when {{ psi }} >= {{ var('psi_alert') }} then 'alert'
        when {{ psi }} >= {{ var('psi_warn') }} then 'warn'
        else 'ok'
    end
{%- endmacro %}
