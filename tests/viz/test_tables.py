"""Results tables as markdown text and as a figure."""

import numpy as np
import pandas as pd

from trainlab.viz import markdown_table, results_table

DF = pd.DataFrame(
    {"experiment": ["dropout=0", "dropout=0.5"], "val_acc": [0.81234567, np.nan], "epochs": [12, 7]}
)


def test_markdown_table_aligns_numbers_right_and_formats_floats():
    lines = markdown_table(DF).splitlines()
    assert lines[0] == "| experiment  | val_acc | epochs |"
    assert lines[1] == "| ----------- | ------: | -----: |"
    assert lines[2] == "| dropout=0   |  0.8123 |     12 |"
    assert lines[3] == "| dropout=0.5 |     nan |      7 |"


def test_markdown_table_can_include_the_index():
    text = markdown_table(DF.set_index("experiment"), index=True, floatfmt=".2f")
    assert text.splitlines()[2] == "| dropout=0   |    0.81 |     12 |"


def test_results_table_figure_shows_header_and_cells():
    fig = results_table(DF, title="dropout")
    table = fig.axes[0].tables[0]
    cells = table.get_celld()
    assert [cells[0, c].get_text().get_text() for c in range(3)] == [
        "experiment",
        "val_acc",
        "epochs",
    ]
    assert cells[1, 1].get_text().get_text() == "0.8123"
    assert cells[2, 0].get_text().get_text() == "dropout=0.5"
    assert cells[0, 0].get_text().get_fontweight() == "bold"
    assert fig._suptitle.get_text() == "dropout"
