{#
    Drift alerts as a dbt test: fails with every row whose drift measure (the tested
    column, e.g. psi) is at or above `warn_at` (default var psi_warn). Severity comes
    from dbt's own warn_if / error_if over fail_calc, the worst level among those rows:
    1 = at or above warn_at (warn), 2 = at or above `error_at` (default var psi_alert;
    error). With error_at set to none the test only warns. Limit it to some rows with
    the config `where` (for example scope = 'population').
#}
{% test drift_within_thresholds(model, column_name, warn_at=none, error_at='psi_alert') %}
{%- set warn_level = var('psi_warn') if warn_at is none else warn_at %}
{%- set error_level = var('psi_alert') if error_at == 'psi_alert' else error_at %}
{{ config(
    fail_calc='coalesce(max(drift_level), 0)',
    warn_if='>= 1',
    error_if='>= 2'
) }}

    select
        *,
        {%- if error_level is not none %}
            case when {{ column_name }} >= {{ error_level }} then 2 else 1 end as drift_level
        {%- else %}
            1 as drift_level
        {%- endif %}
    from {{ model }}
    where {{ column_name }} >= {{ warn_level }}

{% endtest %}
