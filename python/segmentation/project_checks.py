"""Project hygiene rules checked on dbt's ``target/manifest.json``.

dbt packages such as dbt-project-evaluator cannot be installed here, so the rules a
reviewer would flag are checked by these functions. Each returns a list of
human-readable violations (empty when the project follows the rule).

Run on a manifest: ``python -m segmentation.project_checks target/manifest.json``.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

Manifest = dict[str, Any]

PRIMARY_KEY_COMPOSITE_TEST = "unique_combination_of_columns"
ELIGIBILITY_TEST = "only_eligible_customers"
# the one module of this package the dbt Python models import (see its docstring: two
# models importing scikit-learn through different modules in two threads can fail)
PYTHON_MODELS_MODULE = "segmentation.dbt_models"


def project_models(manifest: Manifest) -> list[dict[str, Any]]:
    """The models of the root project (not dbt's or a package's), sorted by name."""
    project = manifest["metadata"]["project_name"]
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == project
    ]
    return sorted(models, key=lambda node: node["name"])


def is_staging(model: dict[str, Any]) -> bool:
    """True for models under models/staging/."""
    return model["original_file_path"].startswith("models/staging/")


def _tests_on(manifest: Manifest, model_id: str) -> list[dict[str, Any]]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("attached_node") == model_id
    ]


def missing_descriptions(manifest: Manifest) -> list[str]:
    """Models, model columns, sources and source columns without a description."""
    problems = []
    for model in project_models(manifest):
        if not model["description"].strip():
            problems.append(f"model {model['name']} has no description")
        for column in model["columns"].values():
            if not column["description"].strip():
                problems.append(f"column {model['name']}.{column['name']} has no description")
    for source in manifest["sources"].values():
        label = f"{source['source_name']}.{source['name']}"
        if not source["source_description"].strip():
            problems.append(f"source {source['source_name']} has no description")
        if not source["description"].strip():
            problems.append(f"source table {label} has no description")
        for column in source["columns"].values():
            if not column["description"].strip():
                problems.append(f"source column {label}.{column['name']} has no description")
    return sorted(set(problems))


def missing_primary_key_tests(manifest: Manifest) -> list[str]:
    """Models without unique + not_null on one column, or a composite key test."""
    problems = []
    for model in project_models(manifest):
        tests = _tests_on(manifest, model["unique_id"])
        by_column: dict[str, set[str]] = {}
        has_composite = False
        for test in tests:
            name = test.get("test_metadata", {}).get("name")
            if name == PRIMARY_KEY_COMPOSITE_TEST:
                has_composite = True
            elif name in ("unique", "not_null") and test.get("column_name"):
                by_column.setdefault(test["column_name"], set()).add(name)
        if not has_composite and not any(
            names >= {"unique", "not_null"} for names in by_column.values()
        ):
            problems.append(f"model {model['name']} has no primary-key test")
    return problems


def sources_read_outside_staging(manifest: Manifest) -> list[str]:
    """Models outside models/staging/ that select from a source directly."""
    return [
        f"model {model['name']} reads {dependency} directly (only staging may)"
        for model in project_models(manifest)
        if not is_staging(model)
        for dependency in model["depends_on"]["nodes"]
        if dependency.startswith("source.")
    ]


def customer_models_without_eligibility_test(manifest: Manifest) -> list[str]:
    """Models after staging with a customer_id column but no only_eligible_customers test."""
    problems = []
    for model in project_models(manifest):
        if is_staging(model) or "customer_id" not in model["columns"]:
            continue
        tested = any(
            test.get("test_metadata", {}).get("name") == ELIGIBILITY_TEST
            and test.get("column_name") == "customer_id"
            for test in _tests_on(manifest, model["unique_id"])
        )
        if not tested:
            problems.append(f"model {model['name']} has customer_id but no {ELIGIBILITY_TEST} test")
    return problems


def python_models_importing_around_the_gate(manifest: Manifest) -> list[str]:
    """Python models that import a module of this package other than dbt_models."""
    problems = []
    for model in project_models(manifest):
        if model.get("language") != "python":
            continue
        for node in ast.walk(ast.parse(model["raw_code"])):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            problems += [
                f"python model {model['name']} imports {name} (import from "
                f"{PYTHON_MODELS_MODULE} only)"
                for name in names
                if name.split(".")[0] == "segmentation" and name != PYTHON_MODELS_MODULE
            ]
    return problems


ALL_RULES = (
    missing_descriptions,
    missing_primary_key_tests,
    sources_read_outside_staging,
    customer_models_without_eligibility_test,
    python_models_importing_around_the_gate,
)


def check_manifest(manifest: Manifest) -> list[str]:
    """Every violation of every rule."""
    return [problem for rule in ALL_RULES for problem in rule(manifest)]


def main(argv: list[str]) -> int:
    """Print the violations found in the manifest at argv[0]; exit 1 if any."""
    path = Path(argv[0] if argv else "target/manifest.json")
    problems = check_manifest(json.loads(path.read_text()))
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
