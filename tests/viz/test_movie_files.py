"""Movies: file mode and cleanup of the atomic writes, spawned render workers."""

import os

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from trainlab.atomic import atomic_write_text  # noqa: E402
from trainlab.monitor.record import Record  # noqa: E402
from trainlab.viz import movie, render_movies  # noqa: E402
from trainlab.viz.movie import make_movie  # noqa: E402

SMALL = {"figsize": (3.0, 2.0), "dpi": 40}  # 120x80 frames


def _losses_record(steps: int) -> Record:
    """A record with losses only, and empty raw tensors so a fig_fun may be given."""
    return Record(
        train_loss=np.linspace(2.0, 1.0, steps, dtype=np.float32),
        val_loss=np.linspace(2.1, 1.2, steps, dtype=np.float32),
        tensors={"weights": {}, "net_values": {}, "outputs": {}},
    )


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_movie_files_get_the_mode_of_other_atomic_writes(tmp_path, suffix):
    if suffix == ".mp4":
        pytest.importorskip("imageio_ffmpeg")
    atomic_write_text(tmp_path / "reference.txt", "x")
    out = make_movie(_losses_record(3), tmp_path / f"run{suffix}", progress=False, **SMALL)
    assert _mode(out) == _mode(tmp_path / "reference.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reference.txt", f"run{suffix}"]


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_a_failure_mid_movie_leaves_no_temporary_and_no_target(tmp_path, suffix):
    if suffix == ".mp4":
        pytest.importorskip("imageio_ffmpeg")
    frames = []

    def fig_fun(i, *args):
        if i == 2:
            raise RuntimeError("boom")
        fig = matplotlib.figure.Figure(figsize=(1, 1), dpi=32)
        frames.append(i)
        return fig

    with pytest.raises(RuntimeError, match="boom"):
        make_movie(_losses_record(4), tmp_path / f"x{suffix}", fig_fun, progress=False)
    assert frames == [0, 1]  # the encoder had started writing
    assert list(tmp_path.iterdir()) == []


def test_render_movies_spawns_its_workers_instead_of_forking(tmp_path, monkeypatch):
    contexts = []
    real_pool = movie.ProcessPoolExecutor

    def pool(*args, **kwargs):
        contexts.append(kwargs.get("mp_context"))
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(movie, "ProcessPoolExecutor", pool)
    _losses_record(2).save(tmp_path / "rec")
    jobs = [(tmp_path / "rec", tmp_path / "a.gif"), (_losses_record(3), tmp_path / "b.gif")]
    out = render_movies(jobs, jobs=2, progress=False, **SMALL)
    assert [ctx.get_start_method() for ctx in contexts] == ["spawn"]
    assert out == [tmp_path / "a.gif", tmp_path / "b.gif"]
    assert all(p.stat().st_size > 0 for p in out)
    assert os.path.isfile(tmp_path / "rec" / "record.json")
