"""`dbt docs generate` works on a built warehouse and documents every mart."""

from __future__ import annotations

import json
from pathlib import Path

from dbt_runner import PROJECT_DIR, copy_of_warehouse, run_dbt

MARTS = sorted(path.stem for path in (PROJECT_DIR / "models" / "marts").glob("*.sql"))


def test_docs_generate_documents_every_mart(small_build, small_raw, tmp_path: Path) -> None:
    workdir = copy_of_warehouse(small_build, tmp_path, "docs")
    run = run_dbt(["docs", "generate"], workdir, {"raw_dir": str(small_raw)})
    assert run.returncode == 0, run.output[-3000:]
    manifest = json.loads((run.target / "manifest.json").read_text())
    catalog = json.loads((run.target / "catalog.json").read_text())
    assert (run.target / "index.html").is_file()
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    tables = {n["metadata"]["name"]: n for n in catalog["nodes"].values()}
    assert len(MARTS) >= 9
    for mart in MARTS:
        node = nodes[mart]
        assert node["description"].strip(), mart
        assert node["config"]["contract"]["enforced"], mart
        built = set(tables[mart]["columns"])
        documented = {name for name, column in node["columns"].items() if column["description"]}
        # the catalog reads the built table: every built column is documented
        assert built == documented, (mart, built ^ documented)
