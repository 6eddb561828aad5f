"""dbt-project-evaluator-style rules on the real manifest, and proof that each rule
fires on a manifest that breaks it."""

from __future__ import annotations

import copy
import json

import pytest
from segmentation import project_checks


@pytest.fixture(scope="module")
def manifest(small_build) -> dict:
    return json.loads((small_build.target / "manifest.json").read_text())


def test_project_follows_every_rule(manifest: dict) -> None:
    assert project_checks.check_manifest(manifest) == []


def test_documented_columns_are_the_built_columns(manifest: dict, small_build) -> None:
    """YAML documents exactly the columns each model really has, no more, no less."""
    with small_build.connect() as con:
        for model in project_checks.project_models(manifest):
            actual = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_name = ? order by ordinal_position",
                    [model["alias"]],
                ).fetchall()
            ]
            assert sorted(model["columns"]) == sorted(actual), model["name"]


def _model(manifest: dict, name: str) -> dict:
    return next(m for m in project_checks.project_models(manifest) if m["name"] == name)


def test_rule_flags_missing_description(manifest: dict) -> None:
    broken = copy.deepcopy(manifest)
    model = _model(broken, "stg_raw__orders")
    model["description"] = ""
    model["columns"]["amount"]["description"] = " "
    problems = project_checks.missing_descriptions(broken)
    assert "model stg_raw__orders has no description" in problems
    assert "column stg_raw__orders.amount has no description" in problems


def _without_test(manifest: dict, model_name: str, test_name: str) -> dict:
    """A copy of the manifest without the generic tests ``test_name`` on ``model_name``."""
    broken = copy.deepcopy(manifest)
    model_id = _model(broken, model_name)["unique_id"]
    broken["nodes"] = {
        key: node
        for key, node in broken["nodes"].items()
        if not (
            node["resource_type"] == "test"
            and node.get("attached_node") == model_id
            and node.get("test_metadata", {}).get("name") == test_name
        )
    }
    return broken


def test_rule_flags_missing_primary_key(manifest: dict) -> None:
    broken = _without_test(manifest, "stg_raw__orders", "unique")
    assert project_checks.missing_primary_key_tests(broken) == [
        "model stg_raw__orders has no primary-key test"
    ]


def test_rule_flags_source_read_outside_staging(manifest: dict) -> None:
    broken = copy.deepcopy(manifest)
    model = _model(broken, "int_customers_filtered_to_eligible")
    model["depends_on"]["nodes"].append("source.customer_segmentation.raw.orders")
    assert project_checks.sources_read_outside_staging(broken) == [
        "model int_customers_filtered_to_eligible reads "
        "source.customer_segmentation.raw.orders directly (only staging may)"
    ]


def test_rule_flags_customer_model_without_eligibility_test(manifest: dict) -> None:
    broken = _without_test(
        manifest, "int_customers_filtered_to_eligible", "only_eligible_customers"
    )
    assert project_checks.customer_models_without_eligibility_test(broken) == [
        "model int_customers_filtered_to_eligible has customer_id "
        "but no only_eligible_customers test"
    ]


def test_rule_flags_python_model_importing_around_the_gate(manifest: dict) -> None:
    broken = copy.deepcopy(manifest)
    model = _model(broken, "prediction_model_trees")
    model["raw_code"] = model["raw_code"].replace(
        "from segmentation.dbt_models import", "from segmentation.prediction import"
    )
    assert project_checks.python_models_importing_around_the_gate(broken) == [
        "python model prediction_model_trees imports segmentation.prediction "
        "(import from segmentation.dbt_models only)"
    ]
