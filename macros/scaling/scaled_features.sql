{#-
    The var scaled_features as a list of (feature, transform) pairs, in order, after
    checking every transform: `log1p`, `sqrt` or `none`. Any other name stops the build with
    a message that names the feature and the accepted values. A var given as text is read
    as YAML (sqlfluff passes the vars of its config as text: .sqlfluff).
-#}
{% macro scaled_features() %}
    {%- set pairs = [] -%}
    {%- set features = var('scaled_features') -%}
    {%- if features is string -%}
        {%- set features = fromyaml(features) -%}
    {%- endif -%}
    {%- for feature, transform in features.items() -%}
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
