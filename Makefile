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

.PHONY: help setup data demo build export report bench test test-spark test-report java chromium lint pytest clean

help:
	@echo "make demo   set up, generate $(DEMO_CUSTOMERS) demo customers into $(RAW_DIR), dbt build"
	@echo "make test   set up, ruff + sqlfluff lint, pytest (with an end-to-end dbt build)"
	@echo "make test-spark   dbt build --target spark (local Apache Spark) on a small generated set"
	@echo "make data   generate demo data only;  make build   dbt build only"
	@echo "make export   write customer_profiles and customer_next_best_action to $(EXPORT_DIR)/ (Parquet + NDJSON)"
	@echo "make report   write the HTML report of the marts to $(REPORT)"
	@echo "make bench SCALE=N   benchmark: N generated customers, full dbt build, core path vs a hand-written floor"
	@echo "make test-report   render the report in headless Chromium (installs Chromium when root)"
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

# dbt build on a copy of the warehouse, published (renamed over it) only when the build
# succeeds: an interrupted build leaves the warehouse as it was (segmentation.atomic_build)
build: setup
	$(BIN)/python -m segmentation.atomic_build build --vars '{raw_dir: "$(RAW_DIR)"}'

demo: data build
	@echo
	@echo "Done. Results are in the DuckDB file $${SEGMENTATION_DUCKDB_PATH:-segmentation.duckdb}"
	@echo "  raw files:        $(RAW_DIR)/  (planted personas: data/truth/customer_personas.parquet)"
	@echo "  quick look:       $(BIN)/python -c \"import duckdb; print(duckdb.connect('$${SEGMENTATION_DUCKDB_PATH:-segmentation.duckdb}', read_only=True).sql('select source_table, quarantine_reason, count(*) as n from stg_raw__quarantined_rows group by all order by all'))\""
	@echo "  dbt run results:  target/run_results.json"
	@echo "  HTML report:      make report   (writes reports/segments.html)"
	@echo "  activation files: make export   (exports/*.parquet, *.ndjson)"

# Activation files for downstream tools, from the warehouse `make demo` built.
EXPORT_DIR ?= exports
WAREHOUSE = $${SEGMENTATION_DUCKDB_PATH:-segmentation.duckdb}
export: setup
	$(BIN)/python -m segmentation.activation_export --warehouse $(WAREHOUSE) --out $(EXPORT_DIR)

# A self-contained HTML report of the marts (charts drawn by plotly, no network needed).
REPORT ?= reports/segments.html
report: setup
	$(BIN)/python -m segmentation.report --warehouse $(WAREHOUSE) --out $(REPORT)

# Benchmark (not part of make test): results in build/bench/<SCALE>/results.md
SCALE ?= 100000
bench: setup
	$(BIN)/python -m segmentation.bench --customers $(SCALE) --out build/bench/$(SCALE) $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check python
	$(BIN)/ruff format --check python
	# macros are parsed where models use them (SQL a macro renders that does not parse
	# fails the lint), but sqlfluff reports style only in the models' own text; the dbt
	# templater opens the warehouse, so lint against an in-memory one; two processes
	SEGMENTATION_DUCKDB_PATH=:memory: $(BIN)/sqlfluff lint --processes 2 models tests

# three pytest workers (pytest-xdist) on two cores: dbt commands are mostly
# single-threaded Python that also waits on files and child processes, so a third
# worker fills the idle time (the suite: 531 s with three, 555 s with two; four gave
# 653.6 s against 651.7 s with three on 2026-12-07, the CPU already saturated). They share
# one small build (python/tests/conftest.py). worksteal: an idle worker takes queued
# tests from another; the slowest tests are listed at the end
pytest: setup
	$(BIN)/pytest -n 3 --dist worksteal --durations=25 python/tests

test: lint pytest

# Java for Spark: taken from the machine, or installed from Debian's packages when we
# can; otherwise stop and say how to get it (never skip silently).
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "No Java runtime: installing openjdk-17-jre-headless from Debian's packages"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; \
	  else \
	    echo "make test-spark needs a Java 17 runtime and none is installed."; \
	    echo "Install one (Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless;"; \
	    echo "macOS: brew install openjdk@17) and run make test-spark again."; exit 1; \
	  fi; }
	@java -version 2>&1 | head -1

SPARK_DIR ?= build/spark
SPARK_ABS = $(CURDIR)/$(SPARK_DIR)
# The SQL layer on Apache Spark, from an empty scratch folder (so the catalog can be
# kept in the Spark process's memory: SEGMENTATION_SPARK_CATALOG, profiles.yml):
#  1. DuckDB builds the same generated data (every model, Python models included; its
#     data tests run in make test);
#  2. its fitted segmentation is exported to Parquet;
#  3. Spark builds every SQL model, scoring customers with the exported centres (the
#     per-customer aggregations in 2 parts, customer_buckets, as a large build would);
#  4. pytest compares every table Spark wrote with DuckDB's.
test-spark: setup java
	rm -rf $(SPARK_DIR) && mkdir -p $(SPARK_DIR)
	$(BIN)/python -m segmentation.generate --customers 2000 --seed 7 --out $(SPARK_ABS)/raw
	SEGMENTATION_DUCKDB_PATH=$(SPARK_ABS)/duckdb.duckdb $(DBT) build --resource-type model seed \
	  --target-path $(SPARK_ABS)/duckdb-target --log-path $(SPARK_ABS)/duckdb-logs \
	  --vars '{raw_dir: "$(SPARK_ABS)/raw"}'
	$(BIN)/python -m segmentation.model_export --warehouse $(SPARK_ABS)/duckdb.duckdb \
	  --out $(SPARK_ABS)/export
	cd $(SPARK_DIR) && SEGMENTATION_SPARK_CATALOG=in-memory $(CURDIR)/$(DBT) build --target spark \
	  --project-dir $(CURDIR) --profiles-dir $(CURDIR) --target-path $(SPARK_ABS)/target \
	  --log-path $(SPARK_ABS)/logs --exclude tag:python \
	  --vars '{raw_dir: "$(SPARK_ABS)/raw", model_export_dir: "$(SPARK_ABS)/export", customer_buckets: 2}'
	SPARK_BUILD_DIR=$(SPARK_ABS) $(BIN)/pytest -q python/tests_spark

# Chromium for the report render tests: taken from the machine, or installed from
# Debian's packages when we can; otherwise stop and say how to get it (never skip).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "No Chromium: installing chromium from Debian's packages"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "make test-report needs Chromium and none is installed."; \
	    echo "Install it (Debian/Ubuntu: sudo apt-get install chromium;"; \
	    echo "macOS: brew install --cask chromium, then CHROMIUM=/path/to/binary) and run make test-report again."; exit 1; \
	  fi; }

REPORT_DIR ?= build/report
# The HTML report rendered by headless Chromium on the small generated build: every
# chart drawn with no network; the full-page screenshot is kept in $(REPORT_DIR)/segments.png.
# REPORT_WAREHOUSE: render a warehouse already built from the test data set (.ci/run
# passes the one make test-spark built) instead of building one here
test-report: setup chromium
	REPORT_SCREENSHOT_DIR=$(CURDIR)/$(REPORT_DIR) $(BIN)/pytest -q python/tests_report

clean:
	rm -rf target data logs build exports reports segmentation.duckdb
