"""The raw contract is declared twice (Python for the generator, YAML and vars for
dbt); these tests fail when the two drift apart."""

from __future__ import annotations

from pathlib import Path

import yaml
from segmentation import contract

PROJECT_DIR = Path(__file__).resolve().parents[2]
# dbt data_type declared in the source YAML -> contract type family
DBT_TYPE_FAMILY = {
    "varchar": "string",
    "timestamp": "timestamp",
    "double": "numeric",
    "boolean": "boolean",
}


def load_yaml(relative: str) -> dict:
    return yaml.safe_load((PROJECT_DIR / relative).read_text())


def test_sources_declare_exactly_the_contract_tables_and_columns() -> None:
    sources = load_yaml("models/staging/raw/_raw__sources.yml")["sources"]
    raw = next(source for source in sources if source["name"] == "raw")
    declared = {
        table["name"]: {
            column["name"]: DBT_TYPE_FAMILY[column["data_type"]] for column in table["columns"]
        }
        for table in raw["tables"]
    }
    assert declared == contract.RAW_TABLES
    # the order of the columns is part of the contract too
    for table in raw["tables"]:
        assert [c["name"] for c in table["columns"]] == list(contract.RAW_TABLES[table["name"]])


def test_accepted_values_agree_with_dbt_vars() -> None:
    variables = load_yaml("dbt_project.yml")["vars"]
    assert tuple(variables["order_statuses"]) == contract.ORDER_STATUSES
    assert tuple(variables["negative_order_statuses"]) == contract.NEGATIVE_STATUSES
    assert tuple(variables["event_types"]) == contract.EVENT_TYPES
    assert tuple(variables["consent_purposes"]) == contract.CONSENT_PURPOSES
    assert variables["segmentation_consent_purpose"] == contract.SEGMENTATION_PURPOSE


def test_currency_seed_lists_the_contract_currencies() -> None:
    lines = (PROJECT_DIR / "seeds/currency_rates.csv").read_text().split()
    codes = {line.split(",")[0] for line in lines[1:]}
    assert codes == set(contract.CURRENCIES)
