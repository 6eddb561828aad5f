{#-
    Drift of categorical columns between two periods: PSI and KL divergence over the
    categories, and the chi-square statistic of homogeneity (the 2 x categories table
    of period by category, no continuity correction) with its degrees of freedom.
    Input: a relation or CTE `values` in long form, one row per row of either period
    and column: the key columns (`keys`, by default column_name), side ('baseline' or
    'current') and category (a string; null counts as the category '(null)').
    Renders CTEs for a model's WITH clause; the last, `<prefix>_result`, has one row
    per key with both periods present: the keys, baseline_rows, current_rows,
    categories, psi, kl_divergence, chi_square, degrees_of_freedom.

        share of a category = its rows / the period's rows (epsilon when 0)
        psi = sum of (current - baseline) * ln(current / baseline)
        kl  = sum of current * ln(current / baseline)
        chi_square = sum over categories and periods of (observed - expected)^2 / expected,
            expected = category rows (both periods) * period rows / all rows
        degrees_of_freedom = categories - 1

    The p-value needs the chi-square distribution, which SQL engines lack: the Python
    model segment_drift adds it. Sums are exact decimals (row-order independent).
-#}
{% macro categorical_drift(values, epsilon=0.0001, prefix='categorical', keys=['column_name']) %}
{%- set key_list = keys | join(', ') %}

{{ prefix }}_counts as (

    select
        {{ key_list }},
        coalesce(category, '(null)') as category,
        sum(case when side = 'baseline' then 1 else 0 end) as baseline_count,
        sum(case when side = 'current' then 1 else 0 end) as current_count
    from {{ values }} as {{ prefix }}_input
    group by {{ key_list }}, coalesce(category, '(null)')

),

{{ prefix }}_totals as (

    select
        {{ key_list }},
        sum(baseline_count) as baseline_rows,
        sum(current_count) as current_rows,
        count(*) as categories
    from {{ prefix }}_counts
    group by {{ key_list }}
    having sum(baseline_count) > 0 and sum(current_count) > 0

),

{{ prefix }}_cells as (

    select
        {%- for key in keys %}
            {{ prefix }}_counts.{{ key }},
        {%- endfor %}
        {{ prefix }}_counts.baseline_count,
        {{ prefix }}_counts.current_count,
        {{ prefix }}_totals.baseline_rows,
        {{ prefix }}_totals.current_rows,
        {{ prefix }}_totals.categories,
        {{ share_or_epsilon(prefix ~ '_counts.baseline_count', prefix ~ '_totals.baseline_rows', epsilon) }}
            as baseline_share,
        {{ share_or_epsilon(prefix ~ '_counts.current_count', prefix ~ '_totals.current_rows', epsilon) }}
            as current_share,
        cast({{ prefix }}_counts.baseline_count + {{ prefix }}_counts.current_count as double)
        * {{ prefix }}_totals.baseline_rows
        / ({{ prefix }}_totals.baseline_rows + {{ prefix }}_totals.current_rows) as baseline_expected,
        cast({{ prefix }}_counts.baseline_count + {{ prefix }}_counts.current_count as double)
        * {{ prefix }}_totals.current_rows
        / ({{ prefix }}_totals.baseline_rows + {{ prefix }}_totals.current_rows) as current_expected
    from {{ prefix }}_counts
    inner join {{ prefix }}_totals
        on
            {%- for key in keys %}
                {{ prefix }}_counts.{{ key }} = {{ prefix }}_totals.{{ key }}{{ " and" if not loop.last }}
            {%- endfor %}

),

{{ prefix }}_result as (

    select
        {{ key_list }},
        max(baseline_rows) as baseline_rows,
        max(current_rows) as current_rows,
        max(categories) as categories,
        {{ psi_and_kl() }},
        cast(
            sum(
                cast(
                    (baseline_count - baseline_expected) * (baseline_count - baseline_expected)
                    / baseline_expected
                    + (current_count - current_expected) * (current_count - current_expected)
                    / current_expected
                    as decimal(38, 12)
                )
            ) as double
        ) as chi_square,
        max(categories) - 1 as degrees_of_freedom
    from {{ prefix }}_cells
    group by {{ key_list }}

)

{% endmacro %}
