{#-
    Pre-hook of int_orders_converted_to_usd on incremental runs: deletes every stored
    order that may no longer be current, so the following append of the staged orders
    of eligible customers that are missing leaves exactly what a full refresh builds.
    An order is deleted when
      * its customer is no longer eligible (consent withdrawn, deletion requested),
      * base_raw__orders staged its raw rows again since the table's latest batch
        (macro order_facts_unseen_batch: a new load may have won, changed it or
        quarantined it; an orphan whose customer arrived), or, when every order is
        looked at (a changed rate, batches started again), it has a raw row loaded at
        or after the latest stored load, or
      * the rate of its currency changed, or left the seed currency_rates.
    Renders nothing on a first build or a --full-refresh.
-#}
{% macro delete_stale_order_facts() %}
    {% if is_incremental() %}
        {%- set since = order_facts_unseen_batch() %}
        delete from {{ this }} as facts
        where
            {{ no_longer_eligible('facts.customer_id') }}
            or facts.order_id in (
                select loaded.order_id
                from {{ ref('base_raw__orders') }} as loaded
                where
                {%- if since is none %}
                    loaded.loaded_at >= (select max(latest.loaded_at) from {{ this }} as latest)
                {%- else %}
                    loaded.write_batch >= {{ since }}
                {%- endif %}
            )
            or not {{ rate_is_current('facts') }}
    {% endif %}
{% endmacro %}
