{#-
    A fingerprint (macro row_fingerprint) of the columns the scoring reads (the var
    scaled_features) in `relation`: a row whose fingerprint is unchanged scores the same
    with the same model version.
-#}
{% macro scoring_inputs_hash(relation) %}
    {%- set columns = [] %}
    {%- for feature, transform in scaled_features() %}
        {%- do columns.append(relation ~ '.' ~ feature) %}
    {%- endfor %}
    {{ row_fingerprint(columns) }}
{%- endmacro %}
