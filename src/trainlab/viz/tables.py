"""Results tables as markdown text and as a Figure (no tabulate dependency)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def _cell(value, floatfmt: str) -> str:
    if isinstance(value, float | np.floating):
        return "nan" if np.isnan(value) else format(float(value), floatfmt)
    return str(value)


def _rows(df: pd.DataFrame, floatfmt: str, index: bool) -> tuple[list[str], list[list[str]]]:
    frame = df.reset_index() if index else df
    header = [str(c) for c in frame.columns]
    body = [[_cell(v, floatfmt) for v in row] for row in frame.itertuples(index=False)]
    return header, body


def markdown_table(df: pd.DataFrame, *, floatfmt: str = ".4g", index: bool = False) -> str:
    """A GitHub pipe table of `df`; numeric columns right-aligned, floats as `floatfmt`."""
    header, body = _rows(df, floatfmt, index)
    frame = df.reset_index() if index else df
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    widths = [max([len(h), 3, *(len(r[i]) for r in body)]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        parts = [
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(parts) + " |"

    rule = ["-" * (w - 1) + ":" if num else "-" * w for w, num in zip(widths, numeric, strict=True)]
    return "\n".join([line(header), "| " + " | ".join(rule) + " |", *map(line, body)]) + "\n"


def results_table(
    df: pd.DataFrame, *, floatfmt: str = ".4g", index: bool = False, title: str | None = None
) -> Figure:
    """`df` drawn as a table in a Figure (header row bold), e.g. to save as PNG."""
    header, body = _rows(df, floatfmt, index)
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(header)]
    # ~0.09 inch per character at 10 pt, 0.3 inch per row
    fig = Figure(
        figsize=(max(3.0, 0.09 * sum(widths) + 0.3 * len(header)), 0.6 + 0.3 * (len(body) + 1))
    )
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0 if title is None else 0.88))
    ax.set_axis_off()
    table = ax.table(
        cellText=body or [[""] * len(header)], colLabels=header, loc="center", cellLoc="right"
    )
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    table.auto_set_column_width(list(range(len(header))))
    for (row, _), cell in table.get_celld().items():
        if row == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#e8e8e8")
    if title is not None:
        fig.suptitle(title)
    return fig
