"""Movies: frame count and size, user figure functions, cleanup, formats, errors."""

import gc
import sys
import weakref

import imageio.v3 as iio
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (user figure functions use pyplot)

from trainlab.errors import ConfigError, RecordError  # noqa: E402
from trainlab.monitor.record import Record  # noqa: E402
from trainlab.viz import dashboard, make_movie, render_movies  # noqa: E402
from trainlab.viz.movie import _dashboard_frames  # noqa: E402

SMALL = {"figsize": (6.0, 4.0), "dpi": 40}  # 240x160 frames keep tests fast


def _decode(path):
    return iio.imread(path, index=None, plugin="pillow", mode="RGB")


def test_gif_has_one_frame_per_batch_at_the_figure_size(tmp_path, make_record):
    out = make_movie(make_record(12), tmp_path / "run.gif", **SMALL)
    frames = _decode(out)
    assert frames.shape == (12, 160, 240, 3)
    assert not list(tmp_path.glob(".*tmp")), "temporary file left behind"


def test_each_frame_matches_the_still_dashboard_at_that_batch(tmp_path, make_record):
    record = make_record(5)
    frames, _ = _dashboard_frames(record, figsize=(8, 5), dpi=50, band_above=150)
    for t, frame in enumerate(frames, start=1):
        fig = dashboard(record, upto=t, figsize=(8, 5), dpi=50)
        fig.canvas.draw()
        still = np.asarray(fig.canvas.buffer_rgba()).astype(int)
        differs = np.abs(frame.astype(int) - still).max(axis=2) > 40
        # incremental drawing differs only at loss-line joints (anti-aliasing)
        assert differs.mean() < 0.002, f"frame {t}: {differs.mean():.4f} of pixels differ"


def test_gif_colours_stay_close_to_the_rendered_figure(tmp_path, make_record):
    record = make_record(6)
    frames = _decode(make_movie(record, tmp_path / "m.gif", **SMALL))
    fig = dashboard(record, **SMALL)
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


def test_user_figures_do_not_leak_over_500_frames(tmp_path, make_record):
    record = make_record(500, ("fc1",), ("relu1",), tensors=True, size=8)
    refs = []

    def fig_fun(i, weights, net_values, outputs, train_losses, val_losses):
        fig = plt.figure(figsize=(1, 1), dpi=20)
        refs.append(weakref.ref(fig))
        return fig

    make_movie(record, tmp_path / "leak.gif", fig_fun, progress=False)
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


def test_mp4_without_imageio_ffmpeg_says_what_to_install(tmp_path, make_record, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import now raises ImportError
    with pytest.raises(ConfigError, match="pip install imageio-ffmpeg"):
        make_movie(make_record(2), tmp_path / "x.mp4")


def test_mp4_has_one_frame_per_batch(tmp_path, make_record):
    pytest.importorskip("imageio_ffmpeg")
    out = make_movie(make_record(7), tmp_path / "run.mp4", **SMALL)
    frames = iio.imread(out, index=None, plugin="FFMPEG")
    assert frames.shape == (7, 160, 240, 3)
    assert not list(tmp_path.glob(".*mp4"))


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
