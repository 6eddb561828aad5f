{#-
    Population stability index (PSI) and KL divergence of numeric columns between two
    periods. Input: a relation or query `values` in long form: the key columns (`keys`,
    by default column_name; for example segment_id and column_name for drift within
    each segment), side ('baseline' or 'current'), column_value (double, may be null)
    and value_rows, how many rows of that period have that value (1 for raw rows; a
    count when the input is grouped by value, which keeps the windows below to about
    one row per distinct value; a value may repeat within a key, as when counts per
    segment feed the population's drift). The input is read three times: pass a
    relation or a parenthesized query, not a CTE (DuckDB materializes a CTE read more
    than once). Renders CTEs to put in a model's WITH clause; the last,
    `<prefix>_result`, has one row per key: the keys, baseline_rows, current_rows,
    bins, psi, kl_divergence. (Long input from a table
    keeps the query plan small: Spark inlines CTEs, and a wide unpivot inlined several
    times ran the driver out of memory.) A key with no baseline rows has no bins and
    no result row.

    Bins are the baseline's quantiles: the `bins - 1` inner edges are the quantiles
    i / bins of the baseline's non-null values, each the smallest value with at least
    that share of the values at or below it (the value at rank ceil(i * n / bins),
    numpy's "inverted_cdf"). Edges are baseline values found with integer arithmetic,
    so every engine finds the same ones (an interpolated percentile_cont differs in
    the last bit between engines and moves tied values across an edge). Equal edges
    (a column with few distinct values) are merged, so a column can have fewer bins. A value
    goes to the bin (lower edge, upper edge]; the first bin has no lower edge and the
    last no upper edge, so values outside the baseline range fall in the end bins.
    Nulls get a bin of their own. A bin's share is its rows over the period's rows;
    an empty bin's share is `epsilon` instead of 0 (ln(0) is undefined).

        psi = sum over bins of (current - baseline) * ln(current / baseline)
        kl  = sum over bins of current * ln(current / baseline)   (current || baseline)

    Counts are integers and sums exact decimals, so the result does not depend on row
    order.
-#}
{% macro distribution_drift(
    values, bins=10, epsilon=0.0001, prefix='drift', keys=['column_name']
) %}
{%- set key_list = keys | join(', ') %}

-- the baseline's non-null values in order, with the rows up to each one (a value that
-- repeats within the key has its rows over several window rows, the last holding all
-- of them, so the smallest value reaching a rank below is the same as with one row per value)
{{ prefix }}_ranked as (

    select
        {{ key_list }},
        column_value,
        sum(value_rows) over (
            partition by {{ key_list }}
            order by column_value
            rows between unbounded preceding and current row
        ) as rows_through_value,
        sum(value_rows) over (partition by {{ key_list }}) as present_rows
    from {{ values }} as {{ prefix }}_baseline_values
    where side = 'baseline' and column_value is not null

),

-- quantile i / bins = the value at rank ceil(i * n / bins): the smallest value whose
-- rows up to it reach that rank (integer arithmetic)
{{ prefix }}_quantiles as (

    select
        {{ key_list }},
        {%- for i in range(1, bins) %}
            min(
                case
                    when
                        rows_through_value
                        >= floor(({{ i }} * present_rows + {{ bins - 1 }}) / {{ bins }})
                        then column_value
                end
            ) as q{{ i }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ prefix }}_ranked
    group by {{ key_list }}

),

{{ prefix }}_edges as (
    {%- for i in range(1, bins) %}
        select
            {{ key_list }},
            q{{ i }} as edge
        from {{ prefix }}_quantiles
        {% if not loop.last %}union{% endif %}
    {%- endfor %}
),

-- the bins of each key: 1 up to the first edge, n above the last, 0 for nulls
{{ prefix }}_bins as (

    select
        {{ key_list }},
        row_number() over (partition by {{ key_list }} order by edge) as bin
    from {{ prefix }}_edges
    union all
    select
        {{ key_list }},
        count(*) + 1 as bin
    from {{ prefix }}_edges
    group by {{ key_list }}
    union all
    select distinct
        {{ key_list }},
        0 as bin
    from {{ prefix }}_edges

),

-- a value's bin without a range join: 1 + the distinct edges below it (edges are
-- sorted quantiles, so an edge is new when it exceeds the one before); nulls: bin 0
{{ prefix }}_binned as (

    select
        {%- for key in keys %}
            {{ prefix }}_input.{{ key }},
        {%- endfor %}
        {{ prefix }}_input.side,
        {{ prefix }}_input.value_rows,
        case
            when {{ prefix }}_input.column_value is null then 0
            else 1
                {%- for i in range(1, bins) %}
                + case
                    when
                        {{ prefix }}_quantiles.q{{ i }} < {{ prefix }}_input.column_value
                        {%- if i > 1 %}
                        and {{ prefix }}_quantiles.q{{ i }} > {{ prefix }}_quantiles.q{{ i - 1 }}
                        {%- endif %}
                        then 1
                    else 0
                end
                {%- endfor %}
        end as bin
    from {{ values }} as {{ prefix }}_input
    inner join {{ prefix }}_quantiles
        on
            {%- for key in keys %}
            {{ prefix }}_input.{{ key }} = {{ prefix }}_quantiles.{{ key }}{{ " and" if not loop.last }}
            {%- endfor %}

),

{{ prefix }}_totals as (

    select
        {{ key_list }},
        sum(case when side = 'baseline' then value_rows else 0 end) as baseline_rows,
        sum(case when side = 'current' then value_rows else 0 end) as current_rows
    from {{ values }} as {{ prefix }}_counted_values
    group by {{ key_list }}

),

{{ prefix }}_bin_counts as (

    select
        {{ key_list }},
        bin,
        sum(case when side = 'baseline' then value_rows else 0 end) as baseline_count,
        sum(case when side = 'current' then value_rows else 0 end) as current_count
    from {{ prefix }}_binned
    group by {{ key_list }}, bin

),

-- every bin, empty ones with zero counts
{{ prefix }}_counts as (

    select
        {%- for key in keys %}
            {{ prefix }}_bins.{{ key }},
        {%- endfor %}
        {{ prefix }}_bins.bin,
        coalesce({{ prefix }}_bin_counts.baseline_count, 0) as baseline_count,
        coalesce({{ prefix }}_bin_counts.current_count, 0) as current_count
    from {{ prefix }}_bins
    left join {{ prefix }}_bin_counts
        on
            {%- for key in keys %}
            {{ prefix }}_bins.{{ key }} = {{ prefix }}_bin_counts.{{ key }}{{ " and" if not loop.last }}
            {%- endfor %}
            and {{ prefix }}_bins.bin = {{ prefix }}_bin_counts.bin

),

{{ prefix }}_shares as (

    select
        {%- for key in keys %}
            {{ prefix }}_counts.{{ key }},
        {%- endfor %}
        {{ prefix }}_counts.bin,
        {{ prefix }}_totals.baseline_rows,
        {{ prefix }}_totals.current_rows,
        {{ share_or_epsilon(prefix ~ '_counts.baseline_count', prefix ~ '_totals.baseline_rows', epsilon) }}
            as baseline_share,
        {{ share_or_epsilon(prefix ~ '_counts.current_count', prefix ~ '_totals.current_rows', epsilon) }}
            as current_share
    from {{ prefix }}_counts
    inner join {{ prefix }}_totals
        on {%- for key in keys %}
            {{ prefix }}_counts.{{ key }} = {{ prefix }}_totals.{{ key }}{{ " and" if not loop.last }}
            {%- endfor %}
    -- the null bin counts only when a period has nulls
    where {{ prefix }}_counts.bin > 0 or {{ prefix }}_counts.baseline_count + {{ prefix }}_counts.current_count > 0

),

{{ prefix }}_result as (

    select
        {{ key_list }},
        max(baseline_rows) as baseline_rows,
        max(current_rows) as current_rows,
        count(*) as bins,
        {{ psi_and_kl() }}
    from {{ prefix }}_shares
    group by {{ key_list }}

)

{% endmacro %}
