{#-
    Pre-hook of int_orders_converted_to_usd on incremental runs: deletes every stored
    order that may no longer be current, so the following append of the staged orders
    of eligible customers that are missing leaves exactly what a full refresh builds.
    An order is deleted when
      * its customer is no longer eligible (consent withdrawn, deletion requested),
      * it has a raw row loaded at or after the latest stored load (a newer load may
        have won, changed it, or quarantined it), or
      * the rate of its currency changed, or left the seed currency_rates.
    The deleted order ids go to a temporary table first (macro keys_to_restage names
    it): the model looks for the missing orders among them, the orders staged since
    the table's latest batch and those of eligible customers without a stored order
    (macro order_facts_unseen_batch).
    Renders nothing on a first build or a --full-refresh.
-#}
{% macro delete_stale_order_facts() %}
    {% if is_incremental() %}
        create or replace temporary table {{ keys_to_restage() }} as
            select facts.order_id
            from {{ this }} as facts
            where
                {{ no_longer_eligible('facts.customer_id') }}
                or facts.order_id in (
                    select loaded.order_id
                    from {{ ref('base_raw__orders') }} as loaded
                    where
                        loaded.loaded_at
                        >= (select max(latest.loaded_at) from {{ this }} as latest)
                )
                or not {{ rate_is_current('facts') }};
        delete from {{ this }} as facts
        where facts.order_id in (
            select restaged.order_id from {{ keys_to_restage() }} as restaged
        )
    {% endif %}
{% endmacro %}
