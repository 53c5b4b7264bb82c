"""HTML views of Records, Histories and results tables, for notebooks.

Each function returns one self-contained HTML fragment: figures are inlined as
base64 PNG (or GIF for the movie), so a saved notebook shows them without the
run's files. Nothing here needs Jupyter itself; ``%load_ext trainlab`` makes
Jupyter show Records and Histories this way (trainlab.integrations.notebook).
"""

from __future__ import annotations

import base64
import html
import io
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from trainlab.monitor.record import KINDS, Record
from trainlab.viz.curves import history_grid
from trainlab.viz.dashboard import dashboard
from trainlab.viz.movie import make_movie

DASHBOARD_DPI = 50  # the 16-inch-wide dashboard becomes 800 px: readable, ~100 kB inline
MAX_MOVIE_STEPS = 150  # inline GIFs above this grow past a few MB and slow the notebook
TABLE_STYLE = "border-collapse:collapse;margin:4px 0"
CELL_STYLE = "padding:2px 10px;text-align:left;border-bottom:1px solid #ddd"


def png_html(fig: Figure, *, dpi: float = 100, alt: str = "figure") -> str:
    """`fig` as an ``<img>`` holding a base64 PNG."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return _img(buffer.getvalue(), "image/png", alt)


def record_html(
    record: Record,
    *,
    movie: bool = False,
    max_movie_steps: int = MAX_MOVIE_STEPS,
    dpi: float = DASHBOARD_DPI,
) -> str:
    """A Record as a summary table, its final dashboard and, optionally, its movie.

    Args:
        record: what a Monitor recorded.
        movie: also inline the training movie (GIF) when the record has at most
            `max_movie_steps` steps; longer records get a note instead.
        max_movie_steps: the longest record whose movie is inlined.
        dpi: resolution of the dashboard and movie.
    """
    rows = [
        ("steps", str(record.n_steps)),
        ("mode", html.escape(str(record.meta.get("mode", "?")))),
        ("final train loss", _number(_last_finite(record.train_loss))),
        ("final val loss", _number(_last_finite(record.val_loss))),
    ]
    rows += [(kind, _names(getattr(record, kind))) for kind in KINDS if getattr(record, kind)]
    parts = ["<div class='trainlab-record'><b>Record</b>", _table(rows)]
    if record.n_steps:
        parts.append(png_html(dashboard(record), dpi=dpi, alt="dashboard"))
        if movie and record.n_steps <= max_movie_steps:
            parts.append(_movie_html(record, dpi=dpi))
        elif movie:
            parts.append(
                f"<p>movie not inlined: {record.n_steps} steps &gt; max_movie_steps="
                f"{max_movie_steps}; write it with trainlab.viz.make_movie</p>"
            )
    parts.append("</div>")
    return "\n".join(parts)


def history_html(history: Any, *, dpi: float = 70) -> str:
    """A `trainlab.train.History` as status line, loss/accuracy curves and the epoch table.

    Read through its public attributes only (viz renders stored data; it knows no loop).
    """
    frame = history.to_frame()
    rows = [
        ("status", html.escape(history.status)),
        ("epochs", str(len(frame))),
        ("steps", str(history.n_steps)),
        ("best epoch", str(history.best_epoch) if history.best_epoch is not None else "-"),
    ]
    if history.stop_reason:
        rows.append(("stop reason", html.escape(history.stop_reason)))
    parts = ["<div class='trainlab-history'><b>History</b>", _table(rows)]
    if len(frame):
        star = history.best_epoch if history.best_epoch is not None else "best"
        if len(frame) > 1 or frame["val_loss"].notna().any():
            parts.append(png_html(history_grid({"run": frame}, star_epoch=star), dpi=dpi))
        parts.append(frame.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="-"))
    parts.append("</div>")
    return "\n".join(parts)


def results_html(
    table: pd.DataFrame, *, metric: str | None = None, higher_is_better: bool | None = None
) -> str:
    """A results table sorted by `metric` (best first), the best row in bold.

    `higher_is_better` defaults to True for accuracies (``acc`` in the name), else False.
    """
    if metric is None or metric not in table.columns:
        return table.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="-")
    if higher_is_better is None:
        higher_is_better = "acc" in metric
    ordered = table.sort_values(metric, ascending=not higher_is_better, na_position="last")
    styled = ordered.style.hide(axis="index").format(precision=4, na_rep="-")
    if ordered[metric].notna().any():
        best = ordered.index[0]
        styled = styled.apply(
            lambda row: ["font-weight:bold" if row.name == best else "" for _ in row], axis=1
        )
    return styled.to_html()


def _movie_html(record: Record, *, dpi: float) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = make_movie(record, Path(tmp) / "movie.gif", dpi=dpi, progress=False)
        return _img(path.read_bytes(), "image/gif", "training movie")


def _img(data: bytes, mime: str, alt: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:{mime};base64,{encoded}'/>"


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><th style='{CELL_STYLE}'>{key}</th><td style='{CELL_STYLE}'>{value}</td></tr>"
        for key, value in rows
    )
    return f"<table style='{TABLE_STYLE}'>{body}</table>"


def _names(summaries: dict[str, np.ndarray]) -> str:
    return html.escape(", ".join(summaries))


def _last_finite(values: np.ndarray) -> float:
    finite = np.asarray(values, np.float64)
    finite = finite[np.isfinite(finite)]
    return float(finite[-1]) if len(finite) else math.nan


def _number(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4g}"
