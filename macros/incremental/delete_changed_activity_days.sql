{#-
    Pre-hook of int_customer_activity_aggregated_to_days on incremental runs: deletes
    every stored customer whose days may change, so that the following run, which adds
    the eligible customers missing from the table, leaves what a full refresh builds:
      * named by a load at or after the latest load counted in the table,
      * with an order or event on a day that enters the range (as_of_date moved on)
        or a stored day that leaves it (as_of_date moved back),
      * no longer eligible (consent withdrawn, deletion requested).
    Renders nothing on a first build or a --full-refresh.
-#}
{% macro delete_changed_activity_days() %}
    {% if is_incremental() %}
        {{ require_stored_columns(['last_loaded_at']) }}
        delete from {{ this }} as stored
        where
            {{ no_longer_eligible('stored.customer_id') }}
            or stored.customer_id in (
                {{ customers_named_by_new_loads() }}
                union all
                select orders.customer_id
                from {{ ref('int_orders_converted_to_usd') }} as orders
                cross join {{ ref('int_as_of_date') }} as as_of
                where
                    orders.order_date <= as_of.as_of_date
                    and orders.order_date > (
                        select max(latest.activity_date) from {{ this }} as latest
                    )
                union all
                select events.customer_id
                from {{ ref('stg_raw__events') }} as events
                cross join {{ ref('int_as_of_date') }} as as_of
                where
                    cast(events.occurred_at as date) <= as_of.as_of_date
                    and cast(events.occurred_at as date) > (
                        select max(latest.activity_date) from {{ this }} as latest
                    )
                union all
                select later.customer_id
                from {{ this }} as later
                cross join {{ ref('int_as_of_date') }} as as_of
                where later.activity_date > as_of.as_of_date
            )
    {% endif %}
{% endmacro %}
