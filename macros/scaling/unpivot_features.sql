{#-
    One row per customer and feature from a wide relation: customer_id, as_of_date,
    feature_name, feature_position, transform_name, feature_value (double), for the
    features of the var scaled_features.
-#}
{% macro unpivot_features(relation) %}
    {%- for feature, transform in scaled_features() %}
        select
            customer_id,
            as_of_date,
            '{{ feature }}' as feature_name,
            {{ loop.index }} as feature_position,
            '{{ transform }}' as transform_name,
            cast({{ feature }} as double) as feature_value
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}
