"""Comparison figures a study asks for (`[[figure]]`): checked against the history columns
and the sub-grids; a bad value names the file, the key and its line."""

from __future__ import annotations

import pytest

from trainlab.errors import SpecError
from trainlab.study.figure_specs import HISTORY_COLUMNS, FigureSpec, parse_figures
from trainlab.study.spec_tables import SpecLines

GRIDS = [{"lr": [], "norm": []}, {"arch": []}]  # two sub-grids, by their axes


def test_a_figure_names_its_metrics_panels_lines_and_sub_grid():
    (figure,) = parse_figures(
        [{"title": " Accuracy ", "metric": "val_acc", "panels": "arch", "grid": 2}], GRIDS,
        where="s.toml",
    )  # fmt: skip
    assert figure == FigureSpec(title="Accuracy", metrics=("val_acc",), panels="arch", grid=1)
    assert FigureSpec.from_dict(figure.to_dict()) == figure


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"title": ""}, "title = ''; expected what the figure shows, in words"),
        ({"metric": "speed"}, f"metric = 'speed'; expected one or a list of "
                              f"{', '.join(HISTORY_COLUMNS)}"),
        ({"metric": [["val_acc"]]}, f"metric = [['val_acc']]; expected one or a list of "
                                    f"{', '.join(HISTORY_COLUMNS)}"),
        ({"grid": 3}, "grid = 3; expected 1 to 2"),
        ({"grid": True}, "grid = True; expected 1 to 2"),
        ({"panels": ["lr"]}, "panels = ['lr']; expected the name of an axis: arch, lr, norm"),
        ({"lines": {}}, "lines = {}; expected the name of an axis: arch, lr, norm"),
        ({"grid": 2, "lines": "lr"}, "lines = 'lr'; expected the name of an axis: arch"),
        ({"log_y": "yes"}, "log_y = 'yes'; expected true or false"),
    ],
)  # fmt: skip
def test_a_bad_value_names_the_figure_and_key(entry, expected):
    with pytest.raises(SpecError) as info:
        parse_figures([{"title": "Curves", **entry}], GRIDS, where="s.toml")
    assert str(info.value) == f"s.toml: figure[0].{expected}"


def test_an_error_names_the_line_of_the_key_in_the_spec():
    text = '[[figure]]\ntitle = "Curves"\n\n[[figure]]\ntitle = "More"\nlines = "depth"\n'
    raw = [{"title": "Curves"}, {"title": "More", "lines": "depth"}]
    with pytest.raises(SpecError, match=r"^s\.toml:6: figure\[1\]\.lines = 'depth'; expected"):
        parse_figures(raw, GRIDS, where="s.toml", lines=SpecLines(text))
