"""The HTML report (segmentation.report) rendered by headless Chromium: every chart is
drawn (plotly's ``svg.main-svg`` with the chart's marks) from the file alone, with no
network, no script error, and a full-page screenshot is taken.

Run with ``make test-report``, which installs Chromium from Debian's packages when it
runs as root. Without Chromium these tests fail and say how to install it.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from dbt_runner import DbtRun, copy_of_warehouse
from segmentation.report import build_report

# browser binaries tried in order; CHROMIUM=/path/to/binary overrides them
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "Chromium is not installed, and the report render tests need it. Run `make test-report` "
    "(it installs Chromium with apt-get when run as root), or install it yourself: "
    "`sudo apt-get install chromium` on Debian/Ubuntu, `brew install --cask chromium` on "
    "macOS, or set CHROMIUM=/path/to/chrome."
)
# (chart id, kind of marks plotly draws for it)
CHARTS = (
    ("chart-segment-sizes", "bars"),
    ("chart-persona-profiles", "heatmap"),
    ("chart-rfm-grid", "heatmap"),
    ("chart-segment-history", "lines"),
    ("chart-transitions", "heatmap"),
    ("chart-feature-drift", "heatmap"),
    ("chart-feature-drift-by-segment", "heatmap"),
    ("chart-k-selection", "lines"),
)
WINDOW = (1400, 6000)
# HTML elements without an end tag, which must not be pushed on the element stack
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


def chromium() -> str:
    """The Chromium binary to run; fails the calling test (not skips) when there is none."""
    override = os.environ.get("CHROMIUM")
    if override:
        found = shutil.which(override)
        assert found, f"CHROMIUM={override} is not an executable. {INSTALL_HINT}"
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(INSTALL_HINT, pytrace=False)


def run_chromium(binary: str, page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium on ``page`` with ``args``; the virtual time budget lets every
    script finish before the DOM is dumped or the screenshot taken."""
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=20000",
        *args,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    return done


class ChartMarks(HTMLParser):
    """Per chart container of a dumped DOM: how often each class and tag occurs inside."""

    def __init__(self, chart_ids: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.chart_ids = chart_ids
        self.inside: dict[str, Counter] = {}
        self._stack: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        chart = self._stack[-1][1] if self._stack else None
        if attributes.get("id") in self.chart_ids:
            chart = attributes["id"]
            self.inside.setdefault(chart, Counter())
        if chart:
            counter = self.inside[chart]
            counter["<" + tag] += 1
            counter.update(attributes.get("class", "").split())
        if tag not in VOID:
            self._stack.append((tag, chart))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break


@pytest.fixture(scope="module")
def report(small_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = copy_of_warehouse(small_build, tmp_path_factory.mktemp("render"), "warehouse")
    return build_report(folder / "warehouse.duckdb", folder / "segments.html")


def built_report(request: pytest.FixtureRequest) -> Path:
    """The report, built only once Chromium was found: a missing browser fails the test
    at once instead of after the dbt build."""
    return request.getfixturevalue("report")


def test_every_chart_is_drawn(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    binary = chromium()
    report = built_report(request)
    small_build: DbtRun = request.getfixturevalue("small_build")
    done = run_chromium(binary, report, tmp_path / "profile", "--dump-dom")
    marks = ChartMarks({chart_id for chart_id, _ in CHARTS})
    marks.feed(done.stdout)
    with small_build.connect() as con:
        (segments,) = con.execute("select count(*) from segment_summary").fetchone()
    drawn = [chart_id for chart_id, _ in CHARTS if marks.inside.get(chart_id, {}).get("main-svg")]
    assert drawn == [chart_id for chart_id, _ in CHARTS], "charts not drawn"
    for chart_id, kind in CHARTS:
        inside = marks.inside[chart_id]
        if kind == "bars":
            # one bar per segment in each of the two panels
            assert inside["point"] == 2 * segments, (chart_id, inside["point"])
        elif kind == "heatmap":
            assert inside["hm"] == 1 and inside["<image"] >= 1, chart_id
        else:
            assert inside["js-line"] >= 4, (chart_id, inside["js-line"])
        assert inside["xtick"] + inside["ytick"] > 0, f"{chart_id} has no axis labels"
    errors = [line for line in done.stderr.splitlines() if "Uncaught" in line]
    assert not errors, errors


def test_full_page_screenshot(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """A screenshot of the whole report; REPORT_SCREENSHOT_DIR keeps it to look at."""
    binary = chromium()
    report = built_report(request)
    folder = Path(os.environ.get("REPORT_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "segments.png"
    shot.unlink(missing_ok=True)
    run_chromium(
        binary,
        report,
        tmp_path / "profile",
        f"--screenshot={shot}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == WINDOW
    # a blank page of this size compresses to about 10 kB, the drawn report to 500 kB
    assert len(data) > 200_000, f"screenshot {shot} looks empty ({len(data)} bytes)"


def test_chromium_gets_nothing_from_the_network(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """With every network request refused, the charts are still drawn: plotly is inline."""
    binary = chromium()
    report = built_report(request)
    done = run_chromium(
        binary,
        report,
        tmp_path / "profile",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=127.0.0.1:9",
        "--dump-dom",
    )
    marks = ChartMarks({chart_id for chart_id, _ in CHARTS})
    marks.feed(done.stdout)
    assert all(marks.inside.get(chart_id, {}).get("main-svg") for chart_id, _ in CHARTS)
