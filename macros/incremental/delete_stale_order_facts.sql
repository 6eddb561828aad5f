{#-
    Pre-hook of int_orders_converted_to_usd on incremental runs: deletes every stored
    order that is no longer current, so the following append of missing orders leaves
    exactly what a full refresh builds. An order is stale when
      * its customer is no longer eligible (consent withdrawn, deletion requested), or
      * the staged order changed (a newer load won, or the order was quarantined), or
      * the rate of its currency changed in the seed currency_rates.
    Renders nothing on a first build or a --full-refresh.
-#}
{% macro delete_stale_order_facts() %}
    {% if is_incremental() %}
        delete from {{ this }} as facts
        where
            facts.customer_id not in (
                select eligible.customer_id
                from {{ ref('int_customers_filtered_to_eligible') }} as eligible
            )
            or not exists (
                select 1
                from {{ ref('stg_raw__orders') }} as orders
                inner join {{ ref('currency_rates') }} as rates
                    on orders.currency_code = rates.currency_code
                where
                    orders.order_id = facts.order_id
                    and orders.customer_id = facts.customer_id
                    and orders.order_status = facts.order_status
                    and orders.amount = facts.amount
                    and orders.currency_code = facts.currency_code
                    and orders.ordered_at = facts.ordered_at
                    and orders.loaded_at = facts.loaded_at
                    and rates.usd_per_unit = facts.usd_per_unit
            )
    {% endif %}
{% endmacro %}
