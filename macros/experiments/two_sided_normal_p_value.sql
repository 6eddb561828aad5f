{#-
    Two-sided p-value of a standard normal statistic z: P(|Z| >= |z|) = 2 (1 - Phi(|z|)),
    null when z is null. Neither DuckDB nor Spark has erf or a normal CDF, so the upper
    tail is the polynomial of Abramowitz and Stegun 26.2.17 (Zelen and Severo), absolute
    error below 7.5e-8 in the tail, so below 1.5e-7 in the p-value:
        Q(x) = phi(x) * t * (b1 + t (b2 + t (b3 + t (b4 + t b5)))),  t = 1 / (1 + p x)
    Pass a column (it is repeated). Constants are cast to double: Spark reads decimal
    literals as DECIMAL, and decimal arithmetic would round them.
-#}
{% macro two_sided_normal_p_value(z) -%}
    {%- set x = 'abs(' ~ z ~ ')' -%}
    {%- set t = '(1 / (1 + cast(0.2316419 as double) * ' ~ x ~ '))' -%}
    least(
        cast(1 as double),
        2 * cast(0.3989422804014327 as double) * exp(-{{ x }} * {{ x }} / 2)
        * {{ t }} * (
            cast(0.319381530 as double) + {{ t }} * (
                cast(-0.356563782 as double) + {{ t }} * (
                    cast(1.781477937 as double) + {{ t }} * (
                        cast(-1.821255978 as double) + {{ t }} * cast(1.330274429 as double)
                    )
                )
            )
        )
    )
{%- endmacro %}
