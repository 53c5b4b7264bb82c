"""The per-epoch layer output figure: training mode against evaluation mode, per layer."""

import numpy as np
import pytest

from trainlab.errors import ConfigError
from trainlab.train.history import OUTPUT_STATS, History, output_column
from trainlab.viz import output_stats_figure


def _history(epochs: int = 4) -> History:
    rows = []
    for epoch in range(1, epochs + 1):
        row = {"epoch": epoch}
        for layer, scale in (("0 (Linear)", 1.0), ("2 (Dropout)", 2.0)):
            for i, stat in enumerate(OUTPUT_STATS):
                row[output_column("train", layer, stat)] = scale * (i + epoch)
                row[output_column("eval", layer, stat)] = scale * (i + epoch) / 2
        rows.append(row)
    return History(epochs=rows)


def test_a_row_per_layer_a_column_per_statistic_and_both_modes_in_each():
    fig = output_stats_figure(_history())
    axes = np.array(fig.axes).reshape(2, 3)
    assert [ax.get_title() for ax in axes[0]] == ["output mean", "output mean |x|", "output std"]
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["0 (Linear)", "2 (Dropout)"]
    train, evaluation = axes[1, 2].get_lines()  # the dropout's std
    np.testing.assert_allclose(train.get_ydata(), [6, 8, 10, 12])
    np.testing.assert_allclose(evaluation.get_ydata(), [3, 4, 5, 6])
    assert train.get_linestyle() == "--" and evaluation.get_linestyle() == "-"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["training mode",
                                                                  "evaluation mode"]  # fmt: skip


def test_a_history_without_output_statistics_names_the_callback():
    with pytest.raises(ConfigError, match=r"callbacks=\[PhaseStats\(\)\]"):
        output_stats_figure(History(epochs=[{"epoch": 1, "train_loss": 1.0}]))
