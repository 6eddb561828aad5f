"""The HTML report of the segment marts (segmentation.report), built from the small
dbt build and parsed back: every chart's embedded figure is compared with values read
independently from the warehouse. Rendering in a browser is tested in tests_report/."""

from __future__ import annotations

import base64
import json
import math
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from dbt_runner import DbtRun, copy_of_warehouse
from segmentation.report import ReportError, build_report

CHART_IDS = (
    "chart-segment-sizes",
    "chart-persona-profiles",
    "chart-rfm-grid",
    "chart-segment-history",
    "chart-transitions",
    "chart-feature-drift",
    "chart-k-selection",
)
# the optional second drift chart (feature x segment in the latest period)
EXTRA_CHART_IDS = ("chart-feature-drift-by-segment",)


class ReportPage(HTMLParser):
    """The parts of the report the tests read: elements by id, the text of each
    section's heading and paragraph, and every script's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: dict[str, tuple[str, dict[str, str]]] = {}
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.section_text: dict[str, dict[str, str]] = {}
        self.external: list[str] = []
        self._section: str | None = None
        self._capture: str | None = None
        self._buffer: list[str] = []
        self._script_attrs: dict[str, str] | None = None

    @classmethod
    def parse(cls, text: str) -> ReportPage:
        page = cls()
        page.feed(text)
        page.close()
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            assert attributes["id"] not in self.elements, f"duplicate id {attributes['id']}"
            self.elements[attributes["id"]] = (tag, attributes)
        for name in ("src", "href"):
            if name in attributes:
                self.external.append(attributes[name])
        if tag == "section":
            self._section = attributes.get("id")
            self.section_text[self._section or ""] = {}
        elif tag in ("h2", "p") and self._section:
            self._capture, self._buffer = tag, []
        elif tag == "script":
            self._script_attrs, self._buffer = attributes, []

    def handle_data(self, data: str) -> None:
        if self._capture or self._script_attrs is not None:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script_attrs is not None:
            self.scripts.append((self._script_attrs, "".join(self._buffer)))
            self._script_attrs = None
        elif tag == self._capture and self._section:
            self.section_text[self._section][tag] = "".join(self._buffer).strip()
            self._capture = None
        elif tag == "section":
            self._section = None

    def figure(self, chart_id: str) -> dict[str, Any]:
        """The figure JSON the container ``chart_id`` is drawn from."""
        tag, attributes = self.elements[chart_id]
        assert tag == "div" and "chart" in attributes.get("class", "").split(), chart_id
        figure_id = attributes["data-figure"]
        texts = [text for attrs, text in self.scripts if attrs.get("id") == figure_id]
        assert len(texts) == 1, f"{chart_id}: {len(texts)} figure scripts {figure_id}"
        assert self.elements[figure_id][1].get("type") == "application/json"
        return json.loads(texts[0])


def values(array: Any) -> list:
    """A figure array as a list: plotly may write numbers as base64 typed arrays."""
    if isinstance(array, dict) and "bdata" in array:
        decoded = np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
        if "shape" in array:
            decoded = decoded.reshape([int(n) for n in str(array["shape"]).split(",")])
        return decoded.tolist()
    return list(array)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


@pytest.fixture(scope="module")
def warehouse(small_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the small build's warehouse, so the report never touches the shared one."""
    folder = copy_of_warehouse(small_build, tmp_path_factory.mktemp("report"), "warehouse")
    return folder / "warehouse.duckdb"


@pytest.fixture(scope="module")
def report(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(warehouse, tmp_path_factory.mktemp("html") / "out" / "segments.html")


@pytest.fixture(scope="module")
def page(report: Path) -> ReportPage:
    return ReportPage.parse(report.read_text(encoding="utf-8"))


@pytest.fixture()
def con(warehouse: Path):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


def segment_names(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    return dict(con.execute("select segment_id, segment_name from segment_summary").fetchall())


def heatmap_cells(trace: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """Non-empty cells of a heatmap trace by (y label, x label)."""
    z = values(trace["z"])
    return {
        (y, x): z[i][j]
        for i, y in enumerate(trace["y"])
        for j, x in enumerate(trace["x"])
        if z[i][j] is not None
    }


def test_every_chart_has_a_container_heading_and_explanation(page: ReportPage) -> None:
    for chart_id in CHART_IDS + EXTRA_CHART_IDS:
        assert chart_id in page.elements, f"no container {chart_id}"
        section = "section-" + chart_id.removeprefix("chart-")
        assert page.section_text[section].get("h2"), f"{chart_id} has no heading"
        assert len(page.section_text[section].get("p", "")) > 40, f"{chart_id}: no explanation"
        assert page.figure(chart_id)["data"], f"{chart_id} has no trace"
    # ids are the stable ones, not plotly's random ones
    charts = {key for key, (_, a) in page.elements.items() if "chart" in a.get("class", "")}
    assert charts == set(CHART_IDS + EXTRA_CHART_IDS)


def test_plotly_is_embedded_once_and_nothing_is_fetched(page: ReportPage, report: Path) -> None:
    assert page.external == [], "the report loads something from outside"
    bundles = [text for _, text in page.scripts if "plotly.js" in text[:300] and len(text) > 1e6]
    assert len(bundles) == 1
    assert report.stat().st_size < 8_000_000


def test_header(page: ReportPage, report: Path, con: duckdb.DuckDBPyConnection) -> None:
    version, as_of, customers = con.execute(
        "select any_value(model_version), max(assigned_as_of), count(*) from dim_customer_segments"
    ).fetchone()
    text = report.read_text(encoding="utf-8")
    assert f'<dd id="model-version">{version}</dd>' in text
    assert f'<dd id="as-of">{as_of.isoformat()}</dd>' in text
    assert f'<dd id="customers">{customers:,}</dd>' in text


def test_segment_sizes_are_segment_summary(page: ReportPage, con) -> None:
    rows = con.execute(
        "select segment_id, segment_name, customers, gross_revenue_usd::double "
        "from segment_summary order by segment_id"
    ).fetchall()
    customers, revenue = page.figure("chart-segment-sizes")["data"]
    assert len(customers["x"]) == len(rows)
    for label, (segment_id, name, _, _) in zip(customers["x"], rows, strict=True):
        assert label.startswith(f"{segment_id} ") and label.endswith(name)
    assert values(customers["y"]) == [r[2] for r in rows]
    assert all(close(a, r[3]) for a, r in zip(values(revenue["y"]), rows, strict=True))


def test_persona_profiles_are_the_latest_versions_centres(page: ReportPage, con) -> None:
    rows = con.execute(
        "select segment_id, feature_name, centre from segment_centroids "
        "where version_number = (select max(version_number) from segment_centroids)"
    ).fetchall()
    names = segment_names(con)
    (trace,) = page.figure("chart-persona-profiles")["data"]
    cells = heatmap_cells(trace)
    assert len(cells) == len(rows)
    by_label = {
        label: segment_id
        for segment_id in names
        for label in trace["y"]
        if label.startswith(f"{segment_id} ") and label.endswith(names[segment_id])
    }
    assert sorted(by_label.values()) == sorted(names)
    for y, x in cells:
        (centre,) = [r[2] for r in rows if r[0] == by_label[y] and r[1] == x]
        assert close(cells[(y, x)], centre), (y, x)


def test_rfm_grid_counts_every_customer_in_its_cell(page: ReportPage, con) -> None:
    rows = con.execute(
        "select r_score, f_score, count(*), avg(monetary_usd) from dim_customer_segments "
        "group by all"
    ).fetchall()
    (trace,) = page.figure("chart-rfm-grid")["data"]
    cells = heatmap_cells(trace)
    assert cells == {(f"R{r}", f"F{f}"): n for r, f, n, _ in rows}
    mean = values(trace["customdata"])
    for r, f, _, monetary in rows:
        i, j = trace["y"].index(f"R{r}"), trace["x"].index(f"F{f}")
        assert close(mean[i][j], monetary)
    total = con.execute("select count(*) from dim_customer_segments").fetchone()[0]
    assert sum(cells.values()) == total


def test_segment_history_traces_are_segment_history(page: ReportPage, con) -> None:
    names = segment_names(con)
    traces = page.figure("chart-segment-history")["data"]
    customers = [t for t in traces if t.get("stackgroup")]
    revenue = [t for t in traces if not t.get("stackgroup")]
    segment_ids = [
        r[0] for r in con.execute("select distinct segment_id from segment_history").fetchall()
    ]
    assert len(customers) == len(revenue) == len(segment_ids)
    for trace, money in zip(customers, revenue, strict=True):
        (segment_id,) = [s for s in names if trace["name"] == f"{s} · {names[s]}"]
        rows = con.execute(
            "select month_end, customers, net_revenue_usd::double from segment_history "
            "where segment_id = ? order by month_end",
            [segment_id],
        ).fetchall()
        assert trace["x"] == [r[0].isoformat() for r in rows]
        assert values(trace["y"]) == [r[1] for r in rows]
        assert all(close(a, r[2]) for a, r in zip(values(money["y"]), rows, strict=True))


def test_transition_matrix_is_the_latest_months_rows(page: ReportPage, con) -> None:
    rows = con.execute(
        "select from_segment_id, to_segment_id, customers, share_of_from_segment "
        "from segment_transitions "
        "where month_end = (select max(month_end) from segment_transitions)"
    ).fetchall()
    names = segment_names(con)

    def label(segment_id: int | None) -> str:
        return "new customers" if segment_id is None else f"{segment_id} · {names[segment_id]}"

    (trace,) = page.figure("chart-transitions")["data"]
    assert heatmap_cells(trace) == {(label(f), label(t)): n for f, t, n, _ in rows}
    share = values(trace["customdata"])
    for source, target, _, share_of_from in rows:
        i, j = trace["y"].index(label(source)), trace["x"].index(label(target))
        assert close(share[i][j], share_of_from)
    month, previous = con.execute(
        "select max(month_end), max(previous_month_end) from segment_transitions"
    ).fetchone()
    section = page.section_text["section-transitions"]["p"]
    assert month.isoformat() in section and previous.isoformat() in section


def population_psi_matches(page: ReportPage, con) -> None:
    """The population PSI heatmap has exactly one cell per population row, equal to it."""
    rows = con.execute(
        "select current_period, baseline_period, feature_name, psi from feature_drift "
        "where scope = 'population'"
    ).fetchall()
    (trace,) = page.figure("chart-feature-drift")["data"]
    cells = heatmap_cells(trace)
    assert len(cells) == len(rows)
    for current, baseline, feature, psi in rows:
        x = f"{current.isoformat()}<br>vs {baseline.isoformat()}"
        assert close(cells[(feature, x)], psi), (feature, x)


def test_psi_heatmap_has_one_cell_per_population_row(page: ReportPage, con) -> None:
    population_psi_matches(page, con)
    rows = con.execute(
        "select segment_id, feature_name, psi from feature_drift where scope = 'segment' "
        "and current_period = (select max(current_period) from feature_drift)"
    ).fetchall()
    names = segment_names(con)
    (trace,) = page.figure("chart-feature-drift-by-segment")["data"]
    cells = heatmap_cells(trace)
    assert len(cells) == len(rows)
    for segment_id, feature, psi in rows:
        assert close(cells[(feature, f"{segment_id} · {names[segment_id]}")], psi)


def test_k_selection_curves_mark_the_chosen_k(page: ReportPage, con) -> None:
    rows = con.execute(
        "select k, silhouette, davies_bouldin, calinski_harabasz, inertia, is_chosen "
        "from cluster_k_selection where model_version = (select model_version from "
        "segment_centroids order by version_number desc limit 1) order by k"
    ).fetchall()
    traces = page.figure("chart-k-selection")["data"]
    assert len(traces) == 8
    (chosen,) = [r for r in rows if r[5]]
    for position in range(4):
        curve, star = traces[2 * position], traces[2 * position + 1]
        assert values(curve["x"]) == [r[0] for r in rows]
        expected = [r[position + 1] for r in rows]
        assert all(close(a, b) for a, b in zip(values(curve["y"]), expected, strict=True))
        assert values(star["x"]) == [chosen[0]]
        assert close(values(star["y"])[0], chosen[position + 1])


def test_same_warehouse_gives_the_same_bytes(warehouse: Path, report: Path, tmp_path) -> None:
    again = build_report(warehouse, tmp_path / "again.html")
    assert again.read_bytes() == report.read_bytes()


def writable_copy(warehouse: Path, tmp_path: Path, *tables: str) -> Path:
    """A copy of the warehouse in which ``tables`` are tables (a mart built as a view
    becomes a table of its rows), so a test can change their rows."""
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con:
        for table in tables:
            (kind,) = con.execute(
                "select table_type from information_schema.tables where table_name = ?",
                [table],
            ).fetchone()
            if kind == "VIEW":
                con.execute(f"create table {table}__rows as select * from {table}")
                con.execute(f"drop view {table}")
                con.execute(f"alter table {table}__rows rename to {table}")
    return copy


def test_several_drift_periods_give_one_column_each(warehouse: Path, tmp_path) -> None:
    """feature_drift may hold one or several current periods: each (current, baseline)
    pair is a column, here with one more period added after the latest."""
    copy = writable_copy(warehouse, tmp_path, "feature_drift")
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "create temp table later as select * from feature_drift where scope = 'population' "
            "and current_period = (select max(current_period) from feature_drift)"
        )
        con.execute(
            "update later set baseline_period = current_period, psi = psi + 0.2, "
            "current_period = (current_period + interval 1 month)::date"
        )
        con.execute("insert into feature_drift select * from later")
        (periods,) = con.execute(
            "select count(distinct (current_period, baseline_period)) from feature_drift "
            "where scope = 'population'"
        ).fetchone()
    page = ReportPage.parse(build_report(copy, tmp_path / "r.html").read_text(encoding="utf-8"))
    (trace,) = page.figure("chart-feature-drift")["data"]
    assert len(trace["x"]) == periods >= 2
    with duckdb.connect(str(copy), read_only=True) as con:
        population_psi_matches(page, con)


def test_report_follows_the_data(warehouse: Path, tmp_path) -> None:
    """A changed mart changes the chart: the comparisons above can fail."""
    copy = writable_copy(warehouse, tmp_path, "segment_summary")
    with duckdb.connect(str(copy)) as con:
        con.execute("update segment_summary set customers = customers + 1000")
        expected = [
            r[0]
            for r in con.execute(
                "select customers from segment_summary order by segment_id"
            ).fetchall()
        ]
    page = ReportPage.parse(build_report(copy, tmp_path / "r.html").read_text(encoding="utf-8"))
    assert values(page.figure("chart-segment-sizes")["data"][0]["y"]) == expected


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "segmentation.report", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_prints_path_and_size(warehouse: Path, tmp_path) -> None:
    out = tmp_path / "reports" / "segments.html"
    done = run_cli("--warehouse", str(warehouse), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{out} ({out.stat().st_size:,} bytes)"


def test_cli_names_a_missing_mart(warehouse: Path, tmp_path) -> None:
    copy = writable_copy(warehouse, tmp_path, "segment_transitions")
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table segment_transitions")
    out = tmp_path / "segments.html"
    done = run_cli("--warehouse", str(copy), "--out", str(out))
    assert done.returncode == 2
    assert "segment_transitions" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
    with pytest.raises(ReportError, match="table segment_transitions is missing"):
        build_report(copy, out)


def test_cli_names_a_missing_warehouse(tmp_path) -> None:
    done = run_cli("--warehouse", str(tmp_path / "nowhere.duckdb"), "--out", str(tmp_path / "r"))
    assert done.returncode == 2
    assert "nowhere.duckdb" in done.stderr and "Traceback" not in done.stderr


def test_empty_marts_give_a_note_not_an_error(warehouse: Path, tmp_path) -> None:
    copy = writable_copy(warehouse, tmp_path, "segment_transitions", "cluster_k_selection")
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from segment_transitions")
        con.execute("delete from cluster_k_selection")
    page = ReportPage.parse(build_report(copy, tmp_path / "r.html").read_text(encoding="utf-8"))
    for chart_id, table in (
        ("chart-transitions", "segment_transitions"),
        ("chart-k-selection", "cluster_k_selection"),
    ):
        notes = [a["text"] for a in page.figure(chart_id)["layout"].get("annotations", [])]
        assert any(note.startswith(f"{table} has no rows") for note in notes), notes
