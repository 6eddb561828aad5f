{% macro raise_raw_problems(problems) %}
    {% if problems | length > 0 %}
        {% do exceptions.raise_compiler_error(
            "The raw data does not meet the contract (models/staging/raw/_raw__sources.yml):\n  - "
            ~ problems | join("\n  - ")
        ) %}
    {% endif %}
{% endmacro %}
