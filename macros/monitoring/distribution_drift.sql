{#-
    Population stability index (PSI) and KL divergence of numeric columns between two
    periods. Input: a relation or CTE `values` in long form, one row per row of either
    period and column: column_name, side ('baseline' or 'current'), column_value
    (double, may be null). Renders CTEs to put in a model's WITH clause; the last,
    `<prefix>_result`, has one row per column: column_name, baseline_rows,
    current_rows, bins, psi, kl_divergence. (Long input from a table keeps the query
    plan small: Spark inlines CTEs, and a wide unpivot inlined several times ran the
    driver out of memory.)

    Bins are the baseline's quantiles: the `bins - 1` inner edges are
    percentile_cont(i / bins) of the baseline's non-null values; equal edges (a column
    with few distinct values) are merged, so a column can have fewer bins. A value
    goes to the bin (lower edge, upper edge]; the first bin has no lower edge and the
    last no upper edge, so values outside the baseline range fall in the end bins.
    Nulls get a bin of their own. A bin's share is its rows over the period's rows;
    an empty bin's share is `epsilon` instead of 0 (ln(0) is undefined).

        psi = sum over bins of (current - baseline) * ln(current / baseline)
        kl  = sum over bins of current * ln(current / baseline)   (current || baseline)

    Sums are exact decimals, so the result does not depend on row order.
-#}
{% macro distribution_drift(values, bins=10, epsilon=0.0001, prefix='drift') %}

{{ prefix }}_quantiles as (

    select
        column_name,
        {%- for i in range(1, bins) %}
            percentile_cont({{ i / bins }}) within group (order by column_value)
                as q{{ i }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ values }} as {{ prefix }}_input
    where side = 'baseline' and column_value is not null
    group by column_name

),

{{ prefix }}_edges as (
    {%- for i in range(1, bins) %}
        select
            column_name,
            q{{ i }} as edge
        from {{ prefix }}_quantiles
        {% if not loop.last %}union{% endif %}
    {%- endfor %}
),

-- bin 1: up to the first edge; bin n: above the last; bin 0: nulls
{{ prefix }}_bins as (

    select
        column_name,
        lag(edge) over (partition by column_name order by edge) as lower_edge,
        edge as upper_edge,
        row_number() over (partition by column_name order by edge) as bin
    from {{ prefix }}_edges
    union all
    select
        column_name,
        max(edge) as lower_edge,
        null as upper_edge,
        count(*) + 1 as bin
    from {{ prefix }}_edges
    group by column_name
    union all
    select distinct
        column_name,
        null as lower_edge,
        null as upper_edge,
        0 as bin
    from {{ prefix }}_edges

),

{{ prefix }}_binned as (

    select
        {{ prefix }}_input.column_name,
        {{ prefix }}_input.side,
        {{ prefix }}_bins.bin
    from {{ values }} as {{ prefix }}_input
    inner join {{ prefix }}_bins
        on
            {{ prefix }}_input.column_name = {{ prefix }}_bins.column_name
            and (
                ({{ prefix }}_input.column_value is null and {{ prefix }}_bins.bin = 0)
                or (
                    {{ prefix }}_input.column_value is not null
                    and {{ prefix }}_bins.bin > 0
                    and (
                        {{ prefix }}_bins.lower_edge is null
                        or {{ prefix }}_input.column_value > {{ prefix }}_bins.lower_edge
                    )
                    and (
                        {{ prefix }}_bins.upper_edge is null
                        or {{ prefix }}_input.column_value <= {{ prefix }}_bins.upper_edge
                    )
                )
            )

),

{{ prefix }}_totals as (

    select
        column_name,
        sum(case when side = 'baseline' then 1 else 0 end) as baseline_rows,
        sum(case when side = 'current' then 1 else 0 end) as current_rows
    from {{ values }} as {{ prefix }}_input
    group by column_name

),

{{ prefix }}_counts as (

    select
        {{ prefix }}_bins.column_name,
        {{ prefix }}_bins.bin,
        sum(case when {{ prefix }}_binned.side = 'baseline' then 1 else 0 end) as baseline_count,
        sum(case when {{ prefix }}_binned.side = 'current' then 1 else 0 end) as current_count
    from {{ prefix }}_bins
    left join {{ prefix }}_binned
        on
            {{ prefix }}_bins.column_name = {{ prefix }}_binned.column_name
            and {{ prefix }}_bins.bin = {{ prefix }}_binned.bin
    group by {{ prefix }}_bins.column_name, {{ prefix }}_bins.bin

),

{{ prefix }}_shares as (

    select
        {{ prefix }}_counts.column_name,
        {{ prefix }}_counts.bin,
        {{ prefix }}_counts.baseline_count,
        {{ prefix }}_counts.current_count,
        case
            when {{ prefix }}_counts.baseline_count = 0 then {{ epsilon }}
            else cast({{ prefix }}_counts.baseline_count as double) / {{ prefix }}_totals.baseline_rows
        end as baseline_share,
        case
            when {{ prefix }}_counts.current_count = 0 then {{ epsilon }}
            else cast({{ prefix }}_counts.current_count as double) / {{ prefix }}_totals.current_rows
        end as current_share
    from {{ prefix }}_counts
    inner join {{ prefix }}_totals
        on {{ prefix }}_counts.column_name = {{ prefix }}_totals.column_name
    -- the null bin counts only when a period has nulls
    where {{ prefix }}_counts.bin > 0 or {{ prefix }}_counts.baseline_count + {{ prefix }}_counts.current_count > 0

),

{{ prefix }}_result as (

select
    {{ prefix }}_shares.column_name,
    max({{ prefix }}_totals.baseline_rows) as baseline_rows,
    max({{ prefix }}_totals.current_rows) as current_rows,
    count(*) as bins,
    cast(
        sum(
            cast(
                (current_share - baseline_share) * ln(current_share / baseline_share)
                as decimal(38, 18)
            )
        ) as double
    ) as psi,
    cast(
        sum(cast(current_share * ln(current_share / baseline_share) as decimal(38, 18)))
        as double
    ) as kl_divergence
from {{ prefix }}_shares
inner join {{ prefix }}_totals
    on {{ prefix }}_shares.column_name = {{ prefix }}_totals.column_name
group by {{ prefix }}_shares.column_name

)

{% endmacro %}
