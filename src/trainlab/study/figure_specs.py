"""Comparison figures a study asks for (``[[figure]]``): epoch curves of chosen runs.

    [[figure]]
    title = "Validation accuracy per epoch"
    metric = "val_acc"        # a per-epoch column of history.csv, or a list of them
    panels = "lr"             # optional: one panel per level of this axis
    lines = "norm"            # optional: one line per level (default: one per configuration)
    grid = 1                  # optional: only the runs of this [[grid]] table (1-based)
    log_y = false

Replicates of a line are averaged (with a 95% band when there are several seeds).
Checked when the spec is read, like every other key.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from trainlab.errors import SpecError
from trainlab.study.spec_tables import SpecLines, array_of_tables, only_keys
from trainlab.train.history import EPOCH_COLUMNS
from trainlab.train.monitoring import FirstLayerStats

FIGURE_KEYS = ("title", "metric", "panels", "lines", "grid", "log_y")
# Per-epoch columns a figure may draw: fit()'s, and what a study's runs add to them.
HISTORY_COLUMNS = (*EPOCH_COLUMNS[1:], FirstLayerStats.WEIGHT, FirstLayerStats.GRAD)


@dataclass(frozen=True)
class FigureSpec:
    """One comparison figure of epoch curves."""

    title: str
    metrics: tuple[str, ...]
    panels: str | None = None
    lines: str | None = None
    grid: int | None = None  # 0-based index of the sub-grid
    log_y: bool = False

    def to_dict(self) -> dict[str, Any]:
        """As saved in study.json."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FigureSpec:
        """Inverse of `to_dict`."""
        return cls(**{**data, "metrics": tuple(data["metrics"])})


def parse_figures(
    raw: Any, grids: list[dict[str, Any]], *, where: str, lines: SpecLines | None = None
) -> tuple[FigureSpec, ...]:
    """The ``[[figure]]`` tables, checked against the history columns and the sub-grids; with
    the spec's `lines`, an error names the line of the key it is about."""
    all_axes = {axis for axes in grids for axis in axes}
    figures = []
    for at, entry in array_of_tables(raw, "figure", where=where, lines=lines):
        only_keys(entry, FIGURE_KEYS, where=str(at))
        title = entry.get("title")
        if not isinstance(title, str) or not title.strip():
            raise SpecError(
                f"{at.key('title')} = {title!r}; expected what the figure shows, in words"
            )
        metrics = entry.get("metric", "val_acc")
        metrics = (metrics,) if isinstance(metrics, str) else metrics
        if (
            not isinstance(metrics, list | tuple)
            or not metrics
            or any(not isinstance(m, str) or m not in HISTORY_COLUMNS for m in metrics)
        ):
            raise SpecError(
                f"{at.key('metric')} = {entry.get('metric')!r}; expected one or a list of "
                f"{', '.join(HISTORY_COLUMNS)}"
            )
        grid = entry.get("grid")
        if grid is not None and (
            isinstance(grid, bool) or not isinstance(grid, int) or not 1 <= grid <= len(grids)
        ):
            raise SpecError(f"{at.key('grid')} = {grid!r}; expected 1 to {len(grids)}")
        axes = set(grids[grid - 1]) if grid is not None else all_axes
        for key in ("panels", "lines"):
            axis = entry.get(key)
            if axis is not None and (not isinstance(axis, str) or axis not in axes):
                raise SpecError(
                    f"{at.key(key)} = {axis!r}; expected the name of an axis: "
                    f"{', '.join(sorted(axes)) or 'the spec has no [grid]'}"
                )
        log_y = entry.get("log_y", False)
        if not isinstance(log_y, bool):
            raise SpecError(f"{at.key('log_y')} = {log_y!r}; expected true or false")
        figures.append(FigureSpec(
            title=title.strip(), metrics=tuple(metrics), panels=entry.get("panels"),
            lines=entry.get("lines"), grid=None if grid is None else grid - 1, log_y=log_y,
        ))  # fmt: skip
    return tuple(figures)
