{#-
    The customers named by any load (every version, any status) of an order or an
    event that has a raw row loaded at or after the latest load the model's table
    counted (its column last_loaded_at): the customers whose activity a new load may
    have changed, including the customer an order or event was moved away from.
-#}
{% macro customers_named_by_new_loads() %}
    {%- for base, key in [('base_raw__orders', 'order_id'), ('base_raw__events', 'event_id')] %}
        select named.customer_id
        from {{ ref(base) }} as named
        where named.{{ key }} in (
            select loaded.{{ key }}
            from {{ ref(base) }} as loaded
            where
                loaded.loaded_at
                >= (select max(latest.last_loaded_at) from {{ this }} as latest)
        )
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}
