"""Movies: frame count and size, user figure functions, cleanup, formats, errors."""

import gc
import sys
import weakref

import matplotlib
import numpy as np
import pytest
from PIL import Image, ImageSequence

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (user figure functions use pyplot)

from trainlab.errors import ConfigError, RecordError  # noqa: E402
from trainlab.monitor.record import STAT_INDEX, Record  # noqa: E402
from trainlab.viz import (  # noqa: E402
    MovieFrame,
    dashboard,
    frame_steps,
    make_movie,
    movie_frame,
    movie_steps,
    render_movies,
)
from trainlab.viz.density import histogram  # noqa: E402
from trainlab.viz.selection import MAX_FRAMES  # noqa: E402

SMALL = {"figsize": (6.0, 4.0), "dpi": 40}  # 240x160 frames keep tests fast
MEDIUM = {"figsize": (10.0, 6.0), "dpi": 60}  # 600x360: readable enough to compare regions


def _decode(path):
    """Every frame of a GIF as an (N, H, W, 3) array, with Pillow alone (as a user has it)."""
    with Image.open(path) as gif:
        return np.stack([np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)])


def test_gif_has_one_frame_per_batch_at_the_figure_size(tmp_path, make_record):
    out = make_movie(make_record(12), tmp_path / "run.gif", **SMALL)
    frames = _decode(out)
    assert frames.shape == (12, 160, 240, 3)
    assert not list(tmp_path.glob(".*tmp")), "temporary file left behind"
    assert movie_steps(out) == list(range(1, 13))


def _frames(record, steps, size=MEDIUM):
    frame = MovieFrame(record, **size)
    frame.start()
    return zip(steps, frame.frames(steps), strict=True)


def _still(record, step, size=MEDIUM):
    fig = movie_frame(record, step, **size)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).astype(int)


@pytest.mark.parametrize("steps", [range(1, 5), [2, 5, 6]])
def test_each_frame_matches_the_still_of_its_step(make_record, steps):
    record = make_record(6)
    for step, frame in _frames(record, list(steps)):
        differs = np.abs(frame.astype(int) - _still(record, step)).max(axis=2) > 40
        # incremental drawing differs only at line joints (anti-aliasing)
        assert differs.mean() < 0.004, f"step {step}: {differs.mean():.4f} of pixels differ"


def _counter(image, box) -> np.ndarray:
    """The counter's pixels, grey, smoothed over 3 px so a 1-px shift of a digit counts
    little (frames compose the counter from stamps of its pieces)."""
    height = image.shape[0]
    crop = image[height - int(box.y1) - 2 : height - int(box.y0) + 2, int(box.x0) - 2 :]
    grey = crop[..., :3].astype(float).mean(axis=2)
    return (grey[:, :-2] + grey[:, 1:-1] + grey[:, 2:]) / 3


def test_every_frame_shows_its_step_in_the_header(make_record):
    record = make_record(10)
    record.meta["steps_per_epoch"] = 4
    still = MovieFrame(record, **MEDIUM)
    assert still.step_label(7) == "\u2007step 7 / 10 · epoch 2"  # figure space: fixed width
    stills = {}
    for step in range(1, 11):
        still.show_frame(step)
        still.canvas.draw()
        box = still.step_text.get_window_extent()
        stills[step] = _counter(np.asarray(still.canvas.buffer_rgba()), box)
    for step, image in _frames(record, range(1, 11)):
        counter = _counter(image, box)
        distance = {k: np.abs(counter - ref).mean() for k, ref in stills.items()}
        assert min(distance, key=distance.get) == step, f"frame {step} reads as another step"


def test_the_last_frame_is_not_the_dashboard(make_record):
    record = make_record(8)
    *_, (_, last) = _frames(record, range(1, 9))
    fig = dashboard(record, **MEDIUM)
    fig.canvas.draw()
    still = np.asarray(fig.canvas.buffer_rgba()).astype(int)
    differs = np.abs(last.astype(int) - still).max(axis=2) > 40
    assert differs.mean() > 0.1  # distributions, marker, step: a different picture


def test_a_marker_runs_through_each_time_panel_at_the_current_step(make_record):
    record = make_record(10)
    frame = MovieFrame(record, **MEDIUM)
    frame.start()
    images = dict(zip([3, 8], (f.copy() for f in frame.frames([3, 8])), strict=True))
    for ax in frame.time_axes:
        y = int(frame.figure.bbox.height - (ax.bbox.y0 + ax.bbox.y1) / 2)  # mid-height row
        for step, image in images.items():
            x = int(round(ax.transData.transform((step + 0.5, 0))[0]))
            assert image[y, x - 1 : x + 2, :3].min() < 200, (ax.get_title(), step)
            other = 11 - step
            xo = int(round(ax.transData.transform((other + 0.5, 0))[0]))
            assert image[y, xo - 1 : xo + 2, :3].min() > 200 or other < step


def test_distributions_at_the_step_come_from_the_quantiles(make_record):
    record = make_record(10)
    frame = MovieFrame(record, **MEDIUM)
    frame.show_frame(4)
    density, first_step = frame.densities[0]  # weights of fc1: row 4 is after step 4
    assert first_step == 0
    outline, atoms = density.geometry(4)
    hist = histogram(record.quantiles["weights"]["fc1"][4])
    np.testing.assert_allclose(outline, np.column_stack([
        np.minimum(hist.outline()[:, 0], density.right), hist.outline()[:, 1]]))  # fmt: skip
    np.testing.assert_allclose(density.fill.get_xy()[:-1], outline)
    relu, first_step = next(d for d in frame.densities if d[1] == 1 and d[0].labels)
    assert first_step == 1 and relu.labels[0].get_text().startswith("≥")  # ReLU zeros


def test_a_diverged_run_makes_a_movie_marked_from_its_step(tmp_path, make_record):
    record = make_record(20)
    record.train_loss[11:] = np.nan
    record.weights["fc1"][15:] = np.nan
    record.weights["fc1"][15:, STAT_INDEX["nonfinite_frac"]] = 1.0
    record.quantiles["weights"]["fc1"][15:] = np.nan
    record.layer_signals["fc1"][14:] = np.nan
    for step, frame in _frames(record, [10, 12, 16]):
        differs = np.abs(frame.astype(int) - _still(record, step)).max(axis=2) > 40
        assert differs.mean() < 0.004, f"step {step}"
    assert len(_decode(make_movie(record, tmp_path / "nan.gif", **SMALL))) == 20


def test_a_long_run_is_capped_and_the_file_lists_its_steps(tmp_path, make_record):
    record = make_record(MAX_FRAMES + 20, ("fc1",), ("relu1",), size=16)
    out = make_movie(record, tmp_path / "long.gif", figsize=(3, 2), dpi=30)
    steps = movie_steps(out)
    assert len(_decode(out)) == MAX_FRAMES == len(steps)
    assert steps == frame_steps(MAX_FRAMES + 20).tolist()
    assert steps[0] == 1 and steps[-1] == MAX_FRAMES + 20


@pytest.mark.parametrize(
    ("options", "expected"),
    [({"every": 4}, [1, 4, 8, 12, 15]), ({"frames": 3}, [1, 8, 15]),
     ({"seconds": 0.3, "fps": 10}, [1, 8, 15])],
)  # fmt: skip
def test_frame_options_choose_the_steps(tmp_path, make_record, options, expected):
    out = make_movie(make_record(15), tmp_path / "m.gif", **options, **SMALL)
    assert movie_steps(out) == expected and len(_decode(out)) == len(expected)


def test_gif_colours_stay_close_to_the_rendered_figure(tmp_path, make_record):
    record = make_record(6)
    frames = _decode(make_movie(record, tmp_path / "m.gif", **SMALL))
    fig = movie_frame(record, 6, **SMALL)
    fig.canvas.draw()
    still = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float)
    assert np.abs(frames[-1] - still).mean() < 3.0


def test_one_step_record_gives_a_one_frame_movie(tmp_path, make_record):
    assert len(_decode(make_movie(make_record(1), tmp_path / "one.gif", **SMALL))) == 1


def test_empty_record_is_an_error_and_writes_nothing(tmp_path):
    with pytest.raises(RecordError, match="0 steps"):
        make_movie(Record(), tmp_path / "empty.gif")
    assert not list(tmp_path.iterdir())


def test_fig_fun_is_called_once_per_batch_with_the_documented_arguments(tmp_path, make_record):
    record = make_record(5, tensors=True)
    calls = []

    def fig_fun(i, weights, net_values, outputs, train_losses, val_losses):
        calls.append(i)
        assert set(weights) == {"fc1", "fc2", "fc3"} and set(outputs) == {"relu1", "relu2"}
        assert len(weights["fc1"]) == i + 2 and len(net_values["relu1"]) == i + 1
        np.testing.assert_array_equal(outputs["relu2"][-1], record.tensors["outputs"]["relu2"][i])
        np.testing.assert_array_equal(weights["fc3"][-1], record.tensors["weights"]["fc3"][i + 1])
        assert train_losses == pytest.approx(record.train_loss[: i + 1].tolist())
        assert len(val_losses) == i + 1
        fig = plt.figure(figsize=(2, 2), dpi=30)
        fig.gca().plot(train_losses)
        return fig

    frames = _decode(make_movie(record, tmp_path / "user.gif", fig_fun))
    assert calls == [0, 1, 2, 3, 4]
    assert frames.shape == (5, 60, 60, 3)
    assert plt.get_fignums() == []
    calls.clear()
    make_movie(record, tmp_path / "every.gif", fig_fun, every=2)
    assert calls == [0, 1, 3, 4]  # steps 1, 2, 4, 5: the frame choice applies too


def test_user_figures_do_not_leak_over_500_frames(tmp_path, make_record):
    record = make_record(500, ("fc1",), ("relu1",), tensors=True, size=8)
    refs = []

    def fig_fun(i, weights, net_values, outputs, train_losses, val_losses):
        fig = plt.figure(figsize=(1, 1), dpi=20)
        refs.append(weakref.ref(fig))
        return fig

    make_movie(record, tmp_path / "leak.gif", fig_fun, progress=False, every=1)
    gc.collect()
    assert len(refs) == 500
    assert plt.get_fignums() == []
    assert sum(ref() is not None for ref in refs) <= 1  # at most the last one, pending gc


def test_fig_fun_on_a_summary_record_says_which_mode_is_needed(tmp_path, make_record):
    with pytest.raises(ConfigError, match="mode='full'"):
        make_movie(make_record(3), tmp_path / "x.gif", lambda *a: None)
    assert not list(tmp_path.iterdir())


def test_a_failing_fig_fun_leaves_no_partial_file(tmp_path, make_record):
    def fig_fun(i, *args):
        if i == 2:
            raise RuntimeError("boom")
        return plt.figure(figsize=(1, 1), dpi=20)

    with pytest.raises(RuntimeError, match="boom"):
        make_movie(make_record(4, tensors=True), tmp_path / "x.gif", fig_fun)
    assert not list(tmp_path.iterdir())
    assert plt.get_fignums() == []


def test_unknown_suffix_is_rejected(tmp_path, make_record):
    with pytest.raises(ConfigError, match=r"'\.avi'.*\.gif"):
        make_movie(make_record(2), tmp_path / "x.avi")


@pytest.mark.parametrize("missing", ["imageio", "imageio_ffmpeg"])
def test_mp4_without_its_extra_says_what_to_install(tmp_path, make_record, monkeypatch, missing):
    monkeypatch.setitem(sys.modules, missing, None)  # import now raises ImportError
    with pytest.raises(ConfigError, match=r"pip install 'trainlab\[mp4\]'"):
        make_movie(make_record(2), tmp_path / "x.mp4")
    assert not list(tmp_path.iterdir())


def test_a_gif_needs_no_imageio(tmp_path, make_record, monkeypatch):
    for name in ("imageio", "imageio.v2", "imageio.v3", "imageio_ffmpeg"):
        monkeypatch.setitem(sys.modules, name, None)  # import now raises ImportError
    out = make_movie(make_record(3), tmp_path / "run.gif", **SMALL)
    assert len(_decode(out)) == 3 and movie_steps(out) == [1, 2, 3]


def test_mp4_has_one_frame_per_batch_and_lists_its_steps(tmp_path, make_record):
    iio = pytest.importorskip("imageio.v3")
    pytest.importorskip("imageio_ffmpeg")
    out = make_movie(make_record(7), tmp_path / "run.mp4", **SMALL)
    frames = iio.imread(out, index=None, plugin="FFMPEG")
    assert frames.shape == (7, 160, 240, 3)
    assert not list(tmp_path.glob(".*mp4"))
    out = make_movie(make_record(9), tmp_path / "every.mp4", every=3, **SMALL)
    assert movie_steps(out) == [1, 3, 6, 9]


def test_progress_bar_can_be_switched_off(tmp_path, make_record, capsys):
    make_movie(make_record(3), tmp_path / "a.gif", progress=False, **SMALL)
    assert "frame" not in capsys.readouterr().err
    make_movie(make_record(3), tmp_path / "b.gif", progress=True, **SMALL)
    assert "3/3" in capsys.readouterr().err


def test_render_movies_in_parallel_processes(tmp_path, make_record):
    make_record(4).save(tmp_path / "rec_a")
    jobs = [(tmp_path / "rec_a", tmp_path / "a.gif"), (make_record(6, seed=1), tmp_path / "b.gif")]
    out = render_movies(jobs, jobs=2, progress=False, **SMALL)
    assert out == [tmp_path / "a.gif", tmp_path / "b.gif"]
    assert [len(_decode(p)) for p in out] == [4, 6]


def test_a_record_with_gradients_shows_their_distribution_at_the_step(tmp_path, make_record):
    record = make_record(6)
    rng = np.random.default_rng(3)
    quantiles = np.linspace(-1e-3, 1e-3, record.quantiles["weights"]["fc1"].shape[1])
    for name, weights in record.weights.items():
        record.grads[name] = weights[1:] * 0.01  # (steps, STATS): plausible, small
        record.quantiles.setdefault("grads", {})[name] = np.tile(
            quantiles + rng.normal(0, 1e-5), (6, 1)
        ).astype(np.float32)
    frame = MovieFrame(record, **MEDIUM)
    kinds = [kind for _, kind, _, _ in frame.body]
    assert kinds.count("grads") == len(record.weights)
    grads = [i for i, (_, kind, _, _) in enumerate(frame.body) if kind == "grads"]
    assert len(frame.densities) == len(frame.body)  # a distribution slot for each panel
    density, first_step = frame.densities[grads[0]]
    assert first_step == 1  # gradients: one per step, from step 1
    out = make_movie(record, tmp_path / "grads.gif", **SMALL)
    assert movie_steps(out) == [1, 2, 3, 4, 5, 6]
