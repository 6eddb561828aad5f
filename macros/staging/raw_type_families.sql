{#- The contract's type families: the raw types each accepts, and its name in messages. -#}
{% macro raw_type_families() %}
    {{ return({
        'varchar': ['VARCHAR', 'STRING', 'TEXT', 'CHAR', 'CHARACTER'],
        'timestamp': ['TIMESTAMP', 'DATE', 'DATETIME'],
        'double': ['DOUBLE', 'FLOAT', 'REAL', 'DECIMAL', 'NUMERIC', 'INT', 'BIGINT', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UBIGINT', 'UINTEGER', 'USMALLINT', 'UTINYINT', 'LONG', 'SHORT', 'BYTE'],
        'boolean': ['BOOLEAN', 'BOOL']
    }) }}
{% endmacro %}
