"""The study's index page, top down: the answer, runs in flight, tables, figures, glossary.

OUT/report/index.html (templates/index.html). While the study runs the page reloads
itself every `render.REFRESH_S` seconds and says how far each run is; the
driver's last write, after the study ends, drops the reload.
"""

from __future__ import annotations

import collections
import dataclasses
import time
from pathlib import Path
from typing import Any

import pandas as pd

from trainlab.report.analysis import StudyAnalysis
from trainlab.report.html import format as fmt
from trainlab.report.html.answer import answer_block
from trainlab.report.html.explore import as_script
from trainlab.report.html.figures import study_figures
from trainlab.report.html.render import REFRESH_S, href, markdown_to_html, render_page
from trainlab.report.html.runs import RunView, page_href
from trainlab.report.html.tables import (
    TableContext,
    configs_table,
    glossary,
    runs_table,
    status_class,
)
from trainlab.report.writer import CAPTIONS_FILE
from trainlab.run.status import RUNNING
from trainlab.study import studydir


def index_page(
    out: Path,
    study: dict[str, Any],
    analysis: StudyAnalysis,
    views: list[RunView],
    *,
    configs: pd.DataFrame,
    noise: dict[str, float],
    running: bool,
    page_data: dict[str, Any],
) -> str:
    """The HTML of OUT/report/index.html.

    Args:
        analysis: the study's analysis so far (`trainlab.report.analysis.analyze`).
        views: every run of the study, started or not.
        configs: the per-configuration table (`results.configurations`).
        noise: seed sd per metric, to round per-run numbers to.
        running: the study is running: the page reloads itself.
        page_data: what the curves and tables' checkboxes need (`explore.study_data`).
    """
    axes = list(study.get("axes", {}))
    ctx = TableContext(
        table=analysis.table, views={v.name: v for v in views}, axes=axes,
        metric=analysis.metric, levels={a: list(v) for a, v in study.get("axes", {}).items()},
        noise=noise, n_grids=len(study.get("grids") or [axes]),
    )  # fmt: skip
    shown = set(page_data["default"])
    runs = runs_table(ctx, picked=set())
    tables = [configs_table(ctx, configs, analysis.best, picked=shown), runs]
    csv_files = {runs.id: studydir.RESULTS_FILE, tables[0].id: studydir.CONFIGS_FILE}
    tables = [
        dataclasses.replace(t, csv=href(csv_files[t.id]))
        if (out / csv_files[t.id]).is_file() else t
        for t in tables if t.rows
    ]  # fmt: skip
    figures = study_figures(out, axes)
    name = str(study.get("name") or out.name)
    return render_page(
        "index.html",
        title=f"{name}: study report",
        refresh=REFRESH_S if running else None,
        page_data=as_script(page_data),
        curves=any(r["curves"] for r in page_data["runs"]),
        name=name,
        description=str(study.get("description") or "").strip(),
        running=running,
        written=fmt.clock(time.time()),
        counts=_counts(views),
        answer=answer_block(analysis, views, figures, out=out),
        in_flight=_in_flight(views),
        tables=tables,
        figures=[f for n, f in figures.items() if not n.startswith("question_")],
        figures_written=_modified(out / studydir.FIGURES_DIR),
        findings=_findings(out),
        glossary=glossary([runs, *tables]),  # the runs' columns first: run, configuration, seed
    )


def _counts(views: list[RunView]) -> list[tuple[str, int, str]]:
    """(status, number of runs, badge class), most common first."""
    counts = collections.Counter(v.status for v in views)
    return [(status, n, status_class(status)) for status, n in counts.most_common()]


def _in_flight(views: list[RunView]) -> list[dict[str, Any]]:
    """The runs that have not finished: how far each is (running) or that it waits."""
    now = time.time()
    rows = []
    for view in views:
        if view.finished:
            continue
        progress = view.progress or {}
        step, planned = progress.get("step"), progress.get("planned_steps")
        rows.append({
            "name": view.name,
            "href": page_href(view.name) if view.directory else None,
            "status": view.status, "badge": status_class(view.status),
            "running": view.status == RUNNING,
            "step": _steps(step, planned),
            "value": step or 0, "max": planned or 0,
            "epoch": progress.get("epoch", ""),
            "train_loss": fmt.number(progress.get("train_loss")),
            "val_loss": fmt.number(progress.get("val_loss")),
            "updated": fmt.ago(progress.get("updated"), now),
        })  # fmt: skip
    return rows


def _steps(step: int | None, planned: int | None) -> str:
    """ "12 of 40"; once all are taken the run still evaluates, saves and draws."""
    if step is None:
        return ""
    if not planned:
        return str(step)
    return f"{step} of {planned}" + (" (finishing)" if step >= planned else "")


def _findings(out: Path) -> dict[str, Any] | None:
    """findings.md as HTML, with the time it was written; None before report.py wrote it."""
    path = out / studydir.FINDINGS_FILE
    try:
        text = path.read_text(encoding="utf-8")
        written = path.stat().st_mtime
    except OSError:
        return None
    return {"html": markdown_to_html(text, heading_offset=1), "written": fmt.clock(written),
            "href": href(studydir.FINDINGS_FILE)}  # fmt: skip


def _modified(directory: Path) -> str:
    """When the study figures were last drawn (captions.json is written after them)."""
    try:
        return fmt.clock((directory / CAPTIONS_FILE).stat().st_mtime)
    except OSError:
        return ""
