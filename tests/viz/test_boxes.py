"""Box geometry from summaries against matplotlib's boxplot statistics."""

import numpy as np
from matplotlib import cbook
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from trainlab.viz.boxes import StepBoxes, rectangles, segments, value_limits


def test_rectangles_and_segments_have_the_expected_corners():
    rect = rectangles(np.array([2.0]), np.array([-1.0]), np.array([3.0]), 0.5)
    np.testing.assert_allclose(rect[0], [[1.75, -1], [2.25, -1], [2.25, 3], [1.75, 3]])
    seg = segments(np.array([0.0]), np.array([1.0]), np.array([2.0]), np.array([3.0]))
    np.testing.assert_allclose(seg[0], [[0, 1], [2, 3]])


def test_value_limits_skip_nonfinite_steps_and_pad_the_whisker_range(make_record):
    summary = make_record(5).weights["fc1"].copy()
    summary[2] = np.nan
    summary[3, 5] = np.inf
    lo, hi = value_limits(summary)
    values = summary[:, [1, 5]].astype(np.float64)  # whislo, whishi
    values = values[np.isfinite(values)]
    span = values.max() - values.min()
    assert np.isclose(lo, values.min() - 0.05 * span, atol=1e-6)
    assert np.isclose(hi, values.max() + 0.05 * span, atol=1e-6)
    assert value_limits(np.full((3, 10), np.nan)) == (-1.0, 1.0)


def test_boxes_span_the_quartiles_and_whiskers_of_the_raw_data(make_record):
    record = make_record(6, tensors=True)
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = np.arange(7, dtype=float)
    boxes = StepBoxes(ax, x, record.weights["fc2"], color="tab:blue", band=False)
    boxes.show(2, 5)
    paths = boxes.boxes.get_paths()
    assert len(paths) == 3
    for path, step in zip(paths, range(2, 5), strict=True):
        ref = cbook.boxplot_stats(record.tensors["weights"]["fc2"][step].astype(np.float64))[0]
        ys = path.vertices[:, 1]
        np.testing.assert_allclose([ys.min(), ys.max()], [ref["q1"], ref["q3"]], rtol=1e-5)
        assert np.isclose((path.vertices[:, 0].min() + path.vertices[:, 0].max()) / 2, step)
    whisker = boxes.whiskers.get_segments()[0]
    ref = cbook.boxplot_stats(record.tensors["weights"]["fc2"][2].astype(np.float64))[0]
    np.testing.assert_allclose(whisker[:, 1], [ref["whislo"], ref["whishi"]], rtol=1e-5)
    median = boxes.medians.get_segments()[0]
    np.testing.assert_allclose(median[:, 1], ref["med"], rtol=1e-5)


def test_band_mode_uses_full_width_rectangles_without_gaps(make_record):
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    boxes = StepBoxes(
        ax, np.arange(1.0, 11.0), make_record(10).outputs["relu1"], color="g", band=True
    )
    boxes.show(0, 10)
    lefts = [p.vertices[:, 0].min() for p in boxes.boxes.get_paths()]
    rights = [p.vertices[:, 0].max() for p in boxes.boxes.get_paths()]
    np.testing.assert_allclose(lefts[1:], rights[:-1])  # adjacent steps touch
    assert len(boxes.whiskers.get_paths()) == 10
