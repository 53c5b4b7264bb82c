"""The report's interactive parts, clicked in headless Chromium: overlaying chosen runs,
the step player, the compare page, and the report folder moved and opened offline."""

from __future__ import annotations

import json
import shutil
from urllib.parse import unquote, urlsplit

import pytest

WAIT_S = 5.0  # the longest a page may take to draw after it loaded


def _until(page, condition: str) -> bool:
    """Whether the JavaScript `condition` becomes true within WAIT_S (checked in the page
    every 10 ms, so the test waits for the page, not a fixed time)."""
    script = (
        "new Promise(done => { const end = performance.now() + " + str(WAIT_S * 1000) + ";"
        " (function check() { if (" + condition + ") return done(true);"
        " if (performance.now() > end) return done(false); setTimeout(check, 10); })(); })"
    )
    return page.evaluate(script)


def _drag(page, selector: str, fraction: float) -> None:
    """Drag the thumb of the range input `selector` with the mouse to `fraction` of its track."""
    box = page.evaluate(
        f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
        " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
        " const v = (e.value - e.min) / (e.max - e.min);"
        " return {left: r.left + 8, width: r.width - 16, y: r.top + r.height / 2, v}; })()"
    )
    start = box["left"] + box["v"] * box["width"]
    end = box["left"] + fraction * box["width"]
    send = page.browser.send
    mouse = {"button": "left", "clickCount": 1, "y": box["y"]}
    send("Input.dispatchMouseEvent", {"type": "mousePressed", "x": start, **mouse}, page.session)
    for k in range(1, 9):  # a drag in steps, as a hand moves it
        x = start + (end - start) * k / 8
        send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, **mouse}, page.session)
    send("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": end, **mouse}, page.session)


def _series(page) -> list[str]:
    """The labels of the lines the index's chart draws (band edges left out)."""
    return page.evaluate(
        "document.querySelector('#explorer .chart').chart.series.slice(1)"
        ".filter(s => s.label !== '95% band').map(s => s.label)"
    )


def test_checking_two_runs_overlays_both_curves_and_links_them_side_by_side(chromium, study_report):
    page = chromium.new_page()
    page.goto((study_report / "report" / "index.html").as_uri())
    assert _until(page, "document.body.dataset.ready === '1'")
    for point in page.evaluate("Array.from(document.querySelectorAll('input.pick:checked'))"
                               ".map(b => b.dataset.point)"):  # fmt: skip
        page.click(f"input.pick[data-point={json.dumps(point)}]")  # start from an empty chart
    assert _until(page, "document.querySelector('#explorer .empty')")
    runs = ["max_steps=10", "max_steps=3"]
    for run in runs:
        page.click(f"#results-table input.pick[data-run={json.dumps(run)}]")
    assert _until(page, "document.querySelector('#explorer').dataset.series === '2'")
    assert sorted(_series(page)) == runs
    values = page.evaluate(
        "document.querySelector('#explorer .chart').chart.data.slice(1)"
        ".map(ys => ys.filter(y => y !== null).length)"
    )
    assert values == [10, 3]  # each run's steps
    link = page.evaluate("document.getElementById('compare-link')")
    assert page.evaluate("document.getElementById('compare-link').hidden") is False, link
    page.follow("#compare-link")
    assert _until(page, "document.querySelectorAll('.compare-player .hist').length > 0")
    names = page.evaluate("Array.from(document.querySelectorAll('.compare-sides h3'))"
                          ".map(h => h.textContent)")  # fmt: skip
    assert names == runs
    _drag(page, "#compare-step", 1.0)
    assert _until(page, "document.getElementById('compare').dataset.step === '10'")
    steps = page.evaluate("Array.from(document.querySelectorAll('.compare-player'))"
                          ".map(p => p.dataset.step)")  # fmt: skip
    assert steps == ["10", "3"]  # the shorter run stays at its last step
    assert page.console_errors() == []


def test_dragging_the_players_slider_changes_each_histogram(chromium, study_report):
    page = chromium.new_page()
    page.goto((study_report / "report" / "runs" / "max_steps=10.html").as_uri())
    assert _until(page, "document.querySelector('#player .hist')")
    panels = "Array.from(document.querySelectorAll('#player .hist'))"
    shares = panels + ".map(h => h.chart.data[2])"
    first = page.evaluate(shares)
    outline = page.evaluate(panels + ".map(h => h.chart.data[1])")
    kinds = page.evaluate(panels + ".map(h => h.dataset.kind)")
    assert set(kinds) == {"weights", "grads", "net_values", "outputs"}
    for kind, now, start in zip(kinds, first, outline, strict=True):
        # the outline: the first step's distribution (the weights': before any step)
        assert (now == start) == (kind != "weights"), kind
    assert page.evaluate("document.getElementById('player').dataset.step") == "1"
    pixels = panels + ".map(h => h.querySelector('canvas').toDataURL())"
    drawn = page.evaluate(pixels)
    _drag(page, "#player [data-control=step]", 1.0)
    assert _until(page, "document.getElementById('player').dataset.step === '10'")
    last = page.evaluate(shares)
    changed = [a != b for a, b in zip(first, last, strict=True)]
    assert all(changed), changed  # weights, gradients, net values and outputs all moved
    assert _until(page, f"{pixels}.every((url, i) => url !== {json.dumps(drawn)}[i])")
    assert page.evaluate("document.querySelector('.player-status').textContent").startswith(
        "step 10 of 10"
    )
    assert page.console_errors() == []


@pytest.fixture
def moved_report(study_report, tmp_path):
    """The report folder alone, copied away from its study."""
    return shutil.copytree(study_report / "report", tmp_path / "sent" / "report")


def test_the_report_folder_alone_shows_every_figure_offline(chromium, moved_report):
    page = chromium.new_page()
    chromium.send("Network.enable", session=page.session)
    chromium.send(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        page.session,
    )
    pages = sorted(moved_report.rglob("*.html"))
    assert len(pages) == 2 + 4  # the index, the compare page, a page per run
    drawn = 0
    for path in pages:
        page.goto(path.as_uri())
        assert _until(page, "document.body.dataset.ready === '1'"), path.name
        media = page.evaluate(
            "Array.from(document.querySelectorAll('img, video, script[src], link[href]'))"
            ".map(e => ({src: e.src || e.href, tag: e.tagName, ok: e.tagName === 'IMG' ?"
            " e.complete && e.naturalWidth > 0 : true}))"
        )
        for item in media:
            target = unquote(urlsplit(item["src"]).path)
            assert item["src"].startswith("file://") and target.startswith(str(moved_report))
            assert item["ok"], f"{path.name}: {item['src']}"
        if page.evaluate("!!document.getElementById('explorer')"):
            assert _until(page, "Number(document.getElementById('explorer').dataset.series) > 0")
            drawn += 1
        if page.evaluate("!!document.getElementById('player')"):
            assert _until(page, "document.querySelector('#player .hist')"), path.name
            drawn += 1
        videos = page.evaluate(
            "Promise.all(Array.from(document.querySelectorAll('video')).map(v => v.readyState >= 2"
            " ? 2 : new Promise(done => { v.onloadeddata = () => done(v.readyState);"
            " v.onerror = () => done(-1); setTimeout(() => done(v.readyState), 5000); })))"
        )
        assert all(state >= 2 for state in videos), path.name
        assert page.console_errors() == [], path.name
    assert drawn == 1 + 3  # the index's chart and the player of each finished run
