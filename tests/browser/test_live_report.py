"""The live report in a real browser: opened while a study runs, it shows runs as they
finish by reloading itself, and stops reloading once the study has ended.

The study runs as `trainlab run --html` in a process of its own, as a user's would while
the page is open (a minute: marked slow).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from trainlab.report.html.render import REFRESH_S

# Three short runs, trained one after the other: each takes a few seconds with its
# dashboard, so the page sees the study part-way through.
LIVE_STUDY = """
name = "live-check"
[data]
name = "fashion-mnist"
root = "{root}"
val_size = 200
[model.mlp]
hidden = [16]
[train]
max_steps = 30
[monitor]
val_size = 64
[grid]
"optim.lr" = [0.03, 0.01, 0.003]
"""
N_RUNS = 3
# What the page shows now; null while it is between two documents.
STATE = """({
  finished: document.querySelectorAll('#results-table .status-completed').length,
  reloads: !!document.querySelector('meta[http-equiv="refresh"]'),
  inFlight: document.querySelectorAll('#in-flight tbody tr').length,
})"""


def _state(page) -> dict | None:
    try:
        return page.evaluate(STATE)
    except Exception:  # noqa: BLE001 - the page reloaded under us; look again
        return None


def _wait_for(page, condition, timeout: float, wait_until) -> dict:
    """The page's state once `condition` holds, looking twice a second."""
    seen = {}

    def state_when_done() -> dict | None:
        state = _state(page)
        if state is not None:
            seen["last"] = state
        return state if state is not None and condition(state) else None

    return wait_until(state_when_done, timeout, lambda: f"the page; last seen: {seen}", every=0.5)


@pytest.fixture
def live_study(tmp_path, data_root):
    """`trainlab run --html` of LIVE_STUDY in a subprocess; yields (process, OUT)."""
    spec = tmp_path / "live.toml"
    spec.write_text(LIVE_STUDY.format(root=data_root))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "trainlab", "run", str(spec), "--out", str(out), "--jobs", "1",
         "--html", "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    yield process, out
    if process.poll() is None:
        process.kill()
    process.communicate()


@pytest.mark.slow
def test_live_report_shows_runs_as_they_finish_and_stops_reloading(
    chromium, live_study, wait_until
):
    process, out = live_study
    index: Path = out / "report" / "index.html"
    wait_until(lambda: index.is_file() or process.poll() is not None, 60, "the live page")
    assert index.is_file(), process.stderr.read() if process.poll() is not None else "no index"
    page = chromium.new_page()
    page.goto(index.as_uri())
    first = _wait_for(page, lambda s: True, 10, wait_until)
    assert first["reloads"] and first["finished"] < N_RUNS
    assert first["finished"] + first["inFlight"] == N_RUNS  # the others are running or queued
    # The page reloads itself: a run that finishes appears without our navigating.
    _wait_for(page, lambda s: s["finished"] > first["finished"], 60, wait_until)
    assert process.wait(timeout=120) == 0, process.stderr.read()
    final = _wait_for(page, lambda s: not s["reloads"], 3 * REFRESH_S, wait_until)
    assert final == {"finished": N_RUNS, "reloads": False, "inFlight": 0}
    assert page.console_errors() == []
