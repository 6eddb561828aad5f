{#- The batch of this run as a number (see write_batch; 1 while parsing). -#}
{% macro run_batch() -%}
    {%- set latest = latest_recorded_batch() if execute else none -%}
    {{ return(1 if latest is none else latest + 1) }}
{%- endmacro %}
