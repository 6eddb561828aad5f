{#-
    A feature value made ready for standardizing, with the parameters of one feature
    read from columns named <parameters>median_value, <parameters>lower_bound,
    <parameters>upper_bound and <parameters>transform_name: a missing value becomes the
    median, then it is winsorized to the bounds and transformed (log1p, sqrt or none).
    `parameters` is a column prefix, e.g. 'bounds.' for a long relation with one row per
    feature, or 'parameters_by_feature.recency_days__' for one pivoted by
    pivot_feature_parameters. The one rule customer_scaling_parameters fits,
    customer_features_scaled applies and segment_scoring applies per model version.
-#}
{% macro transform_for_scaling(value, parameters) -%}
    {{ apply_scaling_transform(
        winsorize(
            'coalesce(' ~ value ~ ', ' ~ parameters ~ 'median_value)',
            parameters ~ 'lower_bound',
            parameters ~ 'upper_bound'
        ),
        parameters ~ 'transform_name'
    ) }}
{%- endmacro %}
