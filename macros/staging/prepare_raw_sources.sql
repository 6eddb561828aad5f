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
        {# CSV is read as text (all_varchar): the base models parse each value, so a
           value that does not parse quarantines its row instead of failing the read #}
        {% set reader = "read_csv('{}', union_by_name = true, all_varchar = true, encoding = '"
            ~ var('raw_csv_encoding') ~ "')" if var('raw_format') == 'csv'
            else "read_parquet('{}', union_by_name = true)" %}
        {% set problems = [] %}
        {% set made = [] %}
        {% for node in graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | sort(attribute='name') %}
            {% set relation = source('raw', node.name) %}
            {% set pattern = var('raw_dir') ~ '/' ~ node.name ~ '*.' ~ var('raw_format') %}
            {# read_blob lists the files with their sizes without reading them #}
            {% set files = run_query("select filename, size from read_blob('" ~ pattern ~ "') order by filename") %}
            {% set empty = [] %}
            {% for file in files.rows if file[1] == 0 %}
                {% do empty.append(file[0]) %}
            {% endfor %}
            {% if files.rows | length == 0 %}
                {% do problems.append("raw table '" ~ node.name ~ "': no file matches '" ~ pattern ~ "' (set the var raw_dir, or run `make data`)") %}
            {% elif empty | length > 0 %}
                {% do problems.append("raw table '" ~ node.name ~ "': file " ~ (empty | join(', ')) ~ " is empty (0 bytes), not even a "
                    ~ ('header line' if var('raw_format') == 'csv' else 'Parquet footer') ~ ": an export that failed? Export it again, or remove it") %}
            {% else %}
                {% do run_query('create schema if not exists ' ~ relation.without_identifier()) %}
                {% do run_query('create or replace view ' ~ relation ~ ' as select * from ' ~ reader.format(pattern)) %}
                {% do made.append(node.name) %}
                {% set actual = relation_column_types(relation) %}
                {% do problems.extend(raw_column_problems(node, actual, pattern)) %}
                {% do problems.extend(unparsable_text_columns(node, actual, relation)) %}
            {% endif %}
        {% endfor %}
        {# the views must be visible to the model threads' own connections; with no
           view made (no file found at all) there is no transaction to commit #}
        {% if made | length > 0 %}
            {% do run_query('commit') %}
        {% endif %}
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
                {% do problems.extend(unparsable_text_columns(node, actual, relation)) %}
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
                {% do problems.extend(unparsable_text_columns(node, actual, relation)) %}
            {% endif %}
        {% endfor %}
        {% do raise_raw_problems(problems) %}
    {% endif %}
{% endmacro %}
