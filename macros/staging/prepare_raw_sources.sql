{#
    Runs before every build (on-run-start). On DuckDB it first exposes the raw files
    as views in the source schema, so the raw tables are ordinary relations there as
    on any other warehouse: <raw_dir>/<table>*.<raw_format>, several files per table
    read together with columns matched by name. Then, on every adapter, it stops the
    build when a raw table is missing, lacks a contract column, or has a column of the
    wrong type. The message names the table, the column and the problem, for every
    problem found at once.
#}
{% macro prepare_raw_sources() %}
    {{ return(adapter.dispatch('prepare_raw_sources', 'customer_segmentation')()) }}
{% endmacro %}

{% macro duckdb__prepare_raw_sources() %}
    {% if execute %}
        {% set reader = 'read_csv' if var('raw_format') == 'csv' else 'read_parquet' %}
        {% set problems = [] %}
        {% for node in graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | sort(attribute='name') %}
            {% set relation = source('raw', node.name) %}
            {% set pattern = var('raw_dir') ~ '/' ~ node.name ~ '*.' ~ var('raw_format') %}
            {% set found = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] %}
            {% if found == 0 %}
                {% do problems.append("raw table '" ~ node.name ~ "': no file matches '" ~ pattern ~ "' (set the var raw_dir, or run `make data`)") %}
            {% else %}
                {% do run_query('create schema if not exists ' ~ relation.without_identifier()) %}
                {% do run_query(
                    'create or replace view ' ~ relation ~ ' as select * from '
                    ~ reader ~ "('" ~ pattern ~ "', union_by_name = true)"
                ) %}
                {% set actual = relation_column_types(relation) %}
                {% do problems.extend(raw_column_problems(node, actual, pattern)) %}
            {% endif %}
        {% endfor %}
        {# the views must be visible to the model threads' own connections #}
        {% do run_query('commit') %}
        {% do raise_raw_problems(problems) %}
    {% endif %}
{% endmacro %}

{#
    Spark (and Databricks): a raw table that exists and was not made by this hook is
    the warehouse's own, and is only checked. Any other raw table is (re)made as an
    external table over the files <table>*.<raw_format> in <raw_dir>, several files
    read together with columns matched by name (mergeSchema), marked with the table
    property raw_files. Spark fails on a table without files, so the folder is
    listed first.
#}
{% macro spark__prepare_raw_sources() %}
    {% if execute %}
        {% set options = "header 'true', inferSchema 'true'" if var('raw_format') == 'csv' else "mergeSchema 'true'" %}
        {% set listing = {} %}
        {% set problems = [] %}
        {% for node in graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | sort(attribute='name') %}
            {% set relation = source('raw', node.name) %}
            {% set file_pattern = node.name ~ '*.' ~ var('raw_format') %}
            {% set pattern = var('raw_dir') ~ '/' ~ file_pattern %}
            {% set location = relation | string %}
            {% set from_files = adapter.get_relation(relation.database, relation.schema, relation.identifier) is none
                or 'raw_files' in run_query('show tblproperties ' ~ relation).columns[0].values() %}
            {% if from_files %}
                {% if 'files' not in listing %}
                    {% do listing.update({'files': run_query('select path from binaryFile.`' ~ var('raw_dir') ~ '`').columns[0].values()}) %}
                {% endif %}
                {% set found = [] %}
                {% for path in listing['files'] if path.split('/')[-1].startswith(node.name) and path.endswith('.' ~ var('raw_format')) %}
                    {% do found.append(path) %}
                {% endfor %}
                {% if found | length == 0 %}
                    {% do problems.append("raw table '" ~ node.name ~ "': no file matches '" ~ pattern ~ "' (set the var raw_dir, or run `make data`)") %}
                    {% set location = none %}
                {% else %}
                    {# the folder as Spark listed it: absolute, as a table needs it #}
                    {% set folder = found[0].rsplit('/', 1)[0] %}
                    {% do run_query('create schema if not exists ' ~ relation.without_identifier()) %}
                    {% do run_query('drop table if exists ' ~ relation) %}
                    {% do run_query(
                        'create table ' ~ relation ~ ' using ' ~ var('raw_format')
                        ~ " options (path '" ~ folder ~ "', pathGlobFilter '" ~ file_pattern ~ "', " ~ options ~ ')'
                        ~ " tblproperties ('raw_files' = '" ~ pattern ~ "')"
                    ) %}
                    {% set location = pattern %}
                {% endif %}
            {% endif %}
            {% if location %}
                {% set actual = relation_column_types(relation) %}
                {% do problems.extend(raw_column_problems(node, actual, location)) %}
            {% endif %}
        {% endfor %}
        {% do raise_raw_problems(problems) %}
    {% endif %}
{% endmacro %}

{% macro default__prepare_raw_sources() %}
    {% if execute %}
        {% set problems = [] %}
        {% for node in graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | sort(attribute='name') %}
            {% set relation = source('raw', node.name) %}
            {% set actual = relation_column_types(relation) %}
            {% if actual | length == 0 %}
                {% do problems.append("raw table '" ~ node.name ~ "': " ~ relation ~ " does not exist or has no columns") %}
            {% else %}
                {% do problems.extend(raw_column_problems(node, actual, relation | string)) %}
            {% endif %}
        {% endfor %}
        {% do raise_raw_problems(problems) %}
    {% endif %}
{% endmacro %}

{#- A relation's columns as {lower-case name: upper-case type}; empty if it does not exist. -#}
{% macro relation_column_types(relation) %}
    {% set types = {} %}
    {% for column in adapter.get_columns_in_relation(relation) %}
        {% do types.update({column.name | lower: column.data_type | upper}) %}
    {% endfor %}
    {{ return(types) }}
{% endmacro %}

{#
    Compares one raw table's actual columns ({name: TYPE}) with the contract declared
    in the source YAML (column data_type) and returns a list of problem messages.
#}
{% macro raw_column_problems(node, actual, location) %}
    {% set family_names = {
        'varchar': 'a text type',
        'timestamp': 'a timestamp or date type',
        'double': 'a numeric type',
        'boolean': 'a boolean type'
    } %}
    {% set families = {
        'varchar': ['VARCHAR', 'STRING', 'TEXT', 'CHAR', 'CHARACTER'],
        'timestamp': ['TIMESTAMP', 'DATE', 'DATETIME'],
        'double': ['DOUBLE', 'FLOAT', 'REAL', 'DECIMAL', 'NUMERIC', 'INT', 'BIGINT', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UBIGINT', 'UINTEGER', 'USMALLINT', 'UTINYINT', 'LONG', 'SHORT', 'BYTE'],
        'boolean': ['BOOLEAN', 'BOOL']
    } %}
    {% set problems = [] %}
    {% for column in node.columns.values() %}
        {% set name = column.name | lower %}
        {% set expected = column.data_type | lower %}
        {% if name not in actual %}
            {% do problems.append("raw table '" ~ node.name ~ "': required column '" ~ column.name ~ "' is missing in " ~ location ~ " (found: " ~ (actual.keys() | sort | join(', ')) ~ ")") %}
        {% else %}
            {% set base_type = actual[name].split('(')[0].split(' ')[0].split('_')[0] %}
            {% if base_type not in families[expected] %}
                {% do problems.append("raw table '" ~ node.name ~ "': column '" ~ column.name ~ "' has type " ~ actual[name] ~ ", expected " ~ family_names[expected] ~ " (contract: " ~ expected ~ ")") %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}

{% macro raise_raw_problems(problems) %}
    {% if problems | length > 0 %}
        {% do exceptions.raise_compiler_error(
            "The raw data does not meet the contract (models/staging/raw/_raw__sources.yml):\n  - "
            ~ problems | join("\n  - ")
        ) %}
    {% endif %}
{% endmacro %}
