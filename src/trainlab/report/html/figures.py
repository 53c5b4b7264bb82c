"""The study figures on the index, in reading order, each with its caption.

trainlab.report.writer draws the figures into OUT/figures and, beside them,
captions.json (file name -> what the figure shows): the one source of the captions. A
figure without a caption there (e.g. left by an older version) is not shown. The index
shows copies in OUT/report/figures (`copy_study_figures`), so the report stands alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from trainlab.report.html.portable import FIGURES_DIR, copy_if_changed
from trainlab.report.html.render import CaptionedFigure, href
from trainlab.report.writer import read_captions
from trainlab.study import studydir

# After the questions' figures (shown with their answers): effects, learning curves,
# history grids, then the data.
_HEAD = ("effects.png",)
_TAIL = ("samples.png", "classes.png")
_HISTORY_GRID = re.compile(r"^history_grid(_(\d+))?\.png$")


def study_figures(out: Path, axes: list[str]) -> dict[str, CaptionedFigure]:
    """File name -> figure of each captioned figure on disk, in reading order: questions,
    effects, learning curves (in axis order), history grids, data, the rest."""
    figures_dir = out / studydir.FIGURES_DIR
    captions = read_captions(figures_dir)
    names = [n for n in captions if (figures_dir / n).is_file()]
    ordered = sorted(names, key=lambda n: _order(n, axes))
    return {
        name: CaptionedFigure(href(FIGURES_DIR, *name.split("/")), captions[name],
                              wide=bool(_HISTORY_GRID.match(name)))
        for name in ordered
    }  # fmt: skip


def copy_study_figures(out: Path, report: Path) -> None:
    """Copy each captioned study figure into OUT/report/figures (those that changed)."""
    figures_dir = out / studydir.FIGURES_DIR
    for name in read_captions(figures_dir):
        if (figures_dir / name).is_file():
            copy_if_changed(figures_dir / name, report / FIGURES_DIR / name)


def _order(name: str, axes: list[str]) -> tuple:
    if name.startswith("question_") and name.removeprefix("question_")[:-4].isdigit():
        return (0, int(name.removeprefix("question_")[:-4]), name)
    if name in _HEAD:
        return (1, 0, name)
    if name.startswith("lc_"):
        axis = name.removeprefix("lc_").removesuffix(".png")
        return (2, axes.index(axis) if axis in axes else len(axes), name)
    if grid := _HISTORY_GRID.match(name):
        return (3, int(grid[2] or 0), name)
    if name in _TAIL:
        return (4, _TAIL.index(name), name)
    return (5, 0, name)
