{#-
    A count divided by the number of sessions over the same period, as a double; null
    without a session (the ratio is undefined, not zero).
-#}
{% macro per_session(count, sessions) -%}
    case
        when {{ sessions }} > 0
            then cast({{ count }} as double) / cast({{ sessions }} as double)
    end
{%- endmacro %}
