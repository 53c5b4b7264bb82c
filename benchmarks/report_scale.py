"""The report of a 1,000-run study: how long it takes to write, and to open in a browser.

One real run is trained (an MLP on generated Fashion-MNIST-format files, 300 monitored
steps, with its dashboard); the study is then made of copies of it in the real on-disk
layout: a 10 x 10 grid (lr x width) with 10 seeds, each run directory with its own
config.json, run.json (metrics drawn around a per-configuration mean), history.csv,
batches.csv, record (losses perturbed per run) and dashboard.png. Then it measures:

- ``write_report`` (tables, findings, figures) and ``write_html_report`` the first time
  (every run's data files and copies written) and again (kept: nothing of a finished
  run is redone), on this machine's cores;
- in headless Chromium, with the cache off: the index's load event, the moment its
  script is ready (the table filterable and sortable), the moment the chart of the best
  configurations is drawn (their seeds' data files loaded on demand), then the time to
  filter the 1,000-row runs table and to sort it by a column.

Run: ``python benchmarks/report_scale.py [--configs 100] [--seeds 10] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from trainlab.data.synthetic import write_synthetic
from trainlab.monitor import Record
from trainlab.report import write_report
from trainlab.report.html import write_html_report
from trainlab.run import rundir
from trainlab.study import LocalExecutor, studydir
from trainlab.study.runner import run_study
from trainlab.study.spec import load_spec

TEMPLATE = """
name = "scale"
[data]
name = "fashion-mnist"
root = "{root}"
val_size = 200
[model.mlp]
hidden = [32, 16]
[train]
max_steps = 300
[monitor]
val_size = 64
"""
LRS = [round(1e-4 * 10 ** (k / 3), 6) for k in range(10)]  # 1e-4 .. 1e-1
WIDTHS = [16, 24, 32, 48, 64, 96, 128, 192, 256, 384]
TARGET_WRITE_S = 60  # the report of 1,000 runs written in under a minute
TARGET_OPEN_S = 2  # and its index interactive in under 2 s
CHROMIUM = Path(__file__).resolve().parents[1] / "tests" / "browser" / "chromium.py"


def _template(tmp: Path) -> Path:
    """One real trained run directory (and its study's index), to copy."""
    root = write_synthetic("fashion-mnist", tmp / "data", n_train=2_000, n_test=200)
    spec = tmp / "scale.toml"
    spec.write_text(TEMPLATE.format(root=root))
    out = tmp / "template"
    run_study(load_spec(spec), out, executor=LocalExecutor(1), progress=False)
    return out


def _make_study(template: Path, out: Path, n_configs: int, n_seeds: int) -> int:
    """A study of n_configs x n_seeds copies of the template run; returns its run count."""
    source = next((template / rundir.RUNS_DIR).iterdir())
    config = json.loads((source / rundir.CONFIG_FILE).read_text())
    meta = json.loads((source / rundir.META_FILE).read_text())
    history = pd.read_csv(source / rundir.HISTORY_FILE)
    record = Record.load(source, tensors=False)
    rng = np.random.default_rng(0)
    points = [(lr, w) for lr in LRS for w in WIDTHS][:n_configs]
    names = []
    for k, (lr, width) in enumerate(points):
        shift = 0.3 * abs(np.log10(lr) + 2.5) + 0.2 / np.sqrt(width)  # best near lr 3e-3
        point = f"lr={lr}_width={width}"
        for seed in range(n_seeds):
            name = f"{point}_seed={seed}"
            names.append(name)
            directory = rundir.run_dir(out, name)
            directory.mkdir(parents=True)
            varied = {"lr": str(lr), "width": str(width)}
            identity = {"name": name, "point": point, "seed": seed, "varied": varied,
                        "grids": [0]}  # fmt: skip
            (directory / rundir.CONFIG_FILE).write_text(json.dumps({**config, **identity}))
            noise = rng.normal(0, 0.01)
            metrics = {
                m: (v + shift + noise if "loss" in m else v - shift / 4 + noise)
                if isinstance(v, float) else v
                for m, v in meta["metrics"].items()
            }  # fmt: skip
            (directory / rundir.META_FILE).write_text(
                json.dumps({**meta, **identity, "metrics": metrics, "seconds": 5 + k % 7})
            )
            frame = history.copy()
            for column in ("train_loss", "val_loss"):
                frame[column] = frame[column] + shift + noise
            frame.to_csv(directory / rundir.HISTORY_FILE, index=False)
            shutil.copy(source / rundir.BATCHES_FILE, directory / rundir.BATCHES_FILE)
            shutil.copy(source / rundir.DASHBOARD_FILE, directory / rundir.DASHBOARD_FILE)
            steps = record.n_steps
            record.train_loss = (record.train_loss + shift + rng.normal(0, 0.05, steps)).astype(
                np.float32
            )
            record.save(directory)
    index = json.loads((template / studydir.STUDY_FILE).read_text())
    index.update(name="scale", runs=names, seeds=list(range(n_seeds)), grids=[["lr", "width"]],
                 axes={"lr": [str(x) for x in LRS], "width": [str(w) for w in WIDTHS]},
                 questions=[], figures=[])  # fmt: skip
    (out / studydir.STUDY_FILE).write_text(json.dumps(index))
    return len(names)


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def _open_in_chromium(index: Path, repeats: int) -> dict[str, float]:
    """Median milliseconds since navigation start to load, ready and first chart drawn;
    and to filter and to sort the runs table."""
    spec = importlib.util.spec_from_file_location("chromium", CHROMIUM)
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    binary = driver.find_chromium()
    if binary is None:
        raise SystemExit("no chromium on PATH (Debian: apt-get install -y chromium)")
    marks: dict[str, list[float]] = {}
    with driver.Chromium(binary) as browser:
        page = browser.new_page()
        browser.send("Network.enable", session=page.session)
        browser.send("Network.setCacheDisabled", {"cacheDisabled": True}, page.session)
        for _ in range(repeats):  # the choices of the chart are the same at every load
            page.goto(index.as_uri())
            got = page.evaluate(
                "new Promise(done => { (function check() {"
                " if (document.body.dataset.drawnAt) return done({"
                " load: performance.getEntriesByType('navigation')[0].loadEventEnd,"
                " ready: Number(document.body.dataset.readyAt),"
                " drawn: Number(document.body.dataset.drawnAt),"
                " rows: document.querySelectorAll('#results-table tbody tr').length});"
                " setTimeout(check, 5); })(); })"
            )
            got |= page.evaluate(
                "(() => { const box ="
                " document.querySelector('input.filter[data-table=results-table]');"
                " let t = performance.now(); box.value = 'width=64 seed=3';"
                " box.dispatchEvent(new Event('input'));"
                " const shown = Array.from(document.querySelectorAll('#results-table tbody tr'))"
                ".filter(r => !r.hidden).length; const filter = performance.now() - t;"
                " box.value = ''; box.dispatchEvent(new Event('input'));"
                " const header = Array.from(document.querySelectorAll('#results-table thead th'))"
                ".find(th => th.textContent.trim() === 'seconds');"
                " t = performance.now(); header.querySelector('button').click();"
                " return {filter, shown, sort: performance.now() - t}; })()"
            )
            assert page.console_errors() == [], page.console_errors()
            for key, value in got.items():
                marks.setdefault(key, []).append(float(value))
    return {key: statistics.median(values) for key, values in marks.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=100, help="configurations (<= 100)")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--opens", type=int, default=3, help="page loads to take the median of")
    parser.add_argument("--keep", help="write the study here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print("training the template run ...", flush=True)
        template = _template(tmp)
        out = Path(args.keep) if args.keep else tmp / "study"
        if out.exists():
            shutil.rmtree(out)
        start = time.perf_counter()
        n = _make_study(template, out, args.configs, args.seeds)
        print(f"{n} runs written in {time.perf_counter() - start:.1f} s -> {out}")
        tables = _timed(write_report, out)
        first = _timed(write_html_report, out)
        again = _timed(write_html_report, out)
        total = tables + first
        report = out / studydir.REPORT_DIR
        size = sum(p.stat().st_size for p in report.rglob("*") if p.is_file()) / 2**20
        print(f"write_report (tables, findings, figures): {tables:6.1f} s")
        print(f"write_html_report, first:                 {first:6.1f} s  ({size:.0f} MB)")
        print(f"write_html_report, again (data kept):     {again:6.1f} s")
        print(f"report written in {total:.1f} s for {n} runs; target < {TARGET_WRITE_S} s: "
              f"{'met' if total < TARGET_WRITE_S else 'NOT met'}")  # fmt: skip
        marks = _open_in_chromium(report / "index.html", args.opens)
        print(f"index in headless Chromium (median of {args.opens}, ms since navigation):")
        print(
            f"  load event {marks['load']:.0f}, script ready (table filters and sorts) "
            f"{marks['ready']:.0f}, best configurations' chart drawn {marks['drawn']:.0f}"
        )
        print(
            f"  filter the {marks['rows']:.0f}-row table: {marks['filter']:.0f} ms "
            f"({marks['shown']:.0f} rows shown); sort it by a column: {marks['sort']:.0f} ms"
        )
        interactive = marks["drawn"] / 1000
        print(f"interactive in {interactive:.2f} s; target < {TARGET_OPEN_S} s: "
              f"{'met' if interactive < TARGET_OPEN_S else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
