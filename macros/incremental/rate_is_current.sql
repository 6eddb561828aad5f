{#-
    True when the rate stored with a converted row (`alias`.currency_code,
    `alias`.usd_per_unit) is still the rate of its currency in currency_rates.
-#}
{% macro rate_is_current(alias) -%}
    exists (
        select 1
        from {{ ref('currency_rates') }} as rates
        where
            rates.currency_code = {{ alias }}.currency_code
            and rates.usd_per_unit = {{ alias }}.usd_per_unit
    )
{%- endmacro %}
