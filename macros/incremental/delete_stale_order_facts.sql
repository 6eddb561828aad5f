{#-
    Pre-hook of int_orders_converted_to_usd on incremental runs: deletes every stored
    order that may no longer be current, so the following append of the staged orders
    of eligible customers that are missing leaves exactly what a full refresh builds.
    An order is deleted when
      * its customer is no longer eligible (consent withdrawn, deletion requested),
      * it has a raw row loaded at or after the latest stored load (a newer load may
        have won, changed it, or quarantined it), or
      * the rate of its currency changed, or left the seed currency_rates.
    An order that becomes staged without a new load (an orphan whose customer arrived,
    a timestamp no longer in the future) is missing from the table, so it is appended.
    Renders nothing on a first build or a --full-refresh.
-#}
{% macro delete_stale_order_facts() %}
    {% if is_incremental() %}
        delete from {{ this }} as facts
        where
            {{ no_longer_eligible('facts.customer_id') }}
            or facts.order_id in (
                select loaded.order_id
                from {{ ref('base_raw__orders') }} as loaded
                where
                    loaded.loaded_at >= (select max(latest.loaded_at) from {{ this }} as latest)
            )
            or not exists (
                select 1
                from {{ ref('currency_rates') }} as rates
                where
                    rates.currency_code = facts.currency_code
                    and rates.usd_per_unit = facts.usd_per_unit
            )
    {% endif %}
{% endmacro %}
