# Two commands on a fresh machine (Python 3.11, make and git):
#   make demo   set up, generate demo data, dbt build, print where the results are
#   make test   set up, lint (ruff, sqlfluff), pytest (incl. an end-to-end dbt build)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt

export DBT_PROFILES_DIR := $(CURDIR)

DEMO_CUSTOMERS ?= 20000
SEED ?= 42
RAW_DIR ?= data/raw

.PHONY: help setup data demo build test lint pytest clean

help:
	@echo "make demo   set up, generate $(DEMO_CUSTOMERS) demo customers into $(RAW_DIR), dbt build"
	@echo "make test   set up, ruff + sqlfluff lint, pytest (with an end-to-end dbt build)"
	@echo "make data   generate demo data only;  make build   dbt build only"
	@echo "make clean  remove target/, data/ and the warehouse file (keeps the virtualenv)"

$(VENV)/.installed: requirements.txt python/pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed: install python3.11 (or set PYTHON=...)"; exit 1; }
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e python
	touch $@

setup: $(VENV)/.installed

data: setup
	$(BIN)/python -m segmentation.generate --customers $(DEMO_CUSTOMERS) --seed $(SEED) --out $(RAW_DIR)

build: setup
	$(DBT) build --vars '{raw_dir: "$(RAW_DIR)"}'

demo: data build
	@echo
	@echo "Done. Results are in the DuckDB file $${SEGMENTATION_DUCKDB_PATH:-segmentation.duckdb}"
	@echo "  raw files:        $(RAW_DIR)/  (planted personas: data/truth/customer_personas.parquet)"
	@echo "  quick look:       $(BIN)/python -c \"import duckdb; print(duckdb.connect('$${SEGMENTATION_DUCKDB_PATH:-segmentation.duckdb}', read_only=True).sql('select source_table, quarantine_reason, count(*) as n from stg_raw__quarantined_rows group by all order by all'))\""
	@echo "  dbt run results:  target/run_results.json"

lint: setup
	$(BIN)/ruff check python
	$(BIN)/ruff format --check python
	# macros are linted where models use them; the dbt templater opens the warehouse,
	# so lint against an in-memory one
	SEGMENTATION_DUCKDB_PATH=:memory: $(BIN)/sqlfluff lint models tests

pytest: setup
	$(BIN)/pytest python/tests

test: lint pytest

clean:
	rm -rf target data logs segmentation.duckdb
