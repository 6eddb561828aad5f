{#-
    The var scaled_features as a list of (feature, transform) pairs, in order, after
    checking every transform: `log1p`, `sqrt` or `none`. Any other name stops the build with
    a message that names the feature and the accepted values.
-#}
{% macro scaled_features() %}
    {%- set pairs = [] -%}
    {%- for feature, transform in var('scaled_features').items() -%}
        {%- if transform not in ['log1p', 'sqrt', 'none'] -%}
            {{ exceptions.raise_compiler_error(
                "var scaled_features: feature '" ~ feature ~ "' has transform '" ~ transform
                ~ "'; accepted transforms are log1p, sqrt and none"
            ) }}
        {%- endif -%}
        {%- do pairs.append((feature, transform)) -%}
    {%- endfor -%}
    {{ return(pairs) }}
{% endmacro %}
