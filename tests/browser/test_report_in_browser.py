"""The HTML report in a real browser: every page loads cleanly from disk and the table sorts."""

from __future__ import annotations

import json

import pandas as pd

# Each image that finished loading with a real bitmap; failed images have naturalWidth 0.
IMAGES = (
    "Array.from(document.images).map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0}))"
)
# Each video once it has decoded its first frame (readyState >= 2), or -1 on a decode error.
VIDEOS = """Promise.all(Array.from(document.querySelectorAll('video')).map(v =>
  v.readyState >= 2 ? {src: v.src, state: v.readyState} : new Promise(done => {
    const report = () => done({src: v.src, state: v.error ? -1 : v.readyState});
    v.addEventListener('loadeddata', report); v.addEventListener('error', report);
    setTimeout(report, 10000);
  })))"""
ROWS = "Array.from(document.querySelectorAll('#results-table tbody tr'))"


def _column(page, header: str) -> tuple[list[str], int]:
    """The text of each row's cell under `header`, top to bottom, and the column index."""
    index = page.evaluate(
        "Array.from(document.querySelectorAll('#results-table thead th'))"
        f".findIndex(th => th.textContent.trim() === {json.dumps(header)})"
    )
    assert index >= 0, f"no column {header!r}"
    return page.evaluate(f"{ROWS}.map(r => r.cells[{index}].textContent.trim())"), index


def test_every_page_loads_from_disk_without_errors(chromium, study_report):
    page = chromium.new_page()
    pages = sorted((study_report / "report").rglob("*.html"))
    assert len(pages) == 2 + 4  # the index, the compare page and one page per run
    n_movies = 0
    for path in pages:
        page.goto(path.as_uri())
        images = page.evaluate(IMAGES)
        videos = page.evaluate(VIDEOS)
        assert page.console_errors() == [], path.name
        assert all(i["ok"] for i in images), f"{path.name}: {images}"
        assert all(v["state"] >= 2 for v in videos), f"{path.name}: {videos}"
        assert all(i["src"].startswith("file://") for i in images + videos)
        n_movies += len(videos) + sum(i["src"].endswith("movie.gif") for i in images)
    assert n_movies == 3  # the failed run has none


def test_table_has_one_row_per_run_and_links_to_each_run_page(chromium, study_report):
    page = chromium.new_page()
    page.goto((study_report / "report" / "index.html").as_uri())
    runs = pd.read_csv(study_report / "results.csv")["run"]
    names, _ = _column(page, "run")
    assert sorted(names) == sorted(runs)
    page.follow("#results-table tbody a[href^='runs/mp4']")
    assert page.evaluate("document.title").startswith("mp4+h.264:")
    assert page.evaluate("location.pathname").endswith("/report/runs/mp4%2Bh.264.html")
    assert page.console_errors() == []


def test_clicking_a_header_sorts_numerically_then_reverses(chromium, study_report):
    page = chromium.new_page()
    page.goto((study_report / "report" / "index.html").as_uri())
    before, index = _column(page, "max_steps")
    page.click(f"#results-table thead th:nth-child({index + 1}) button")
    ascending, _ = _column(page, "max_steps")
    assert ascending == ["2", "3", "10", ""]  # numbers, not text ("10" < "2"); empty last
    assert before != ascending
    page.click(f"#results-table thead th:nth-child({index + 1}) button")
    descending, _ = _column(page, "max_steps")
    assert descending == ["10", "3", "2", ""]
    sort_state = f"document.querySelectorAll('#results-table thead th')[{index}].ariaSort"
    assert page.evaluate(sort_state) == "descending"
    assert page.console_errors() == []
