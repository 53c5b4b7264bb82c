"""Which steps a movie shows: every step up to the cap, then spread out; the file says."""

import numpy as np
import pytest

from trainlab.errors import ConfigError, RecordError
from trainlab.viz import frame_steps, movie_steps
from trainlab.viz.selection import MAX_FRAMES


@pytest.mark.parametrize("n_steps", [1, 7, MAX_FRAMES])
def test_a_short_run_gets_every_step(n_steps):
    np.testing.assert_array_equal(frame_steps(n_steps), np.arange(1, n_steps + 1))


@pytest.mark.parametrize("n_steps", [MAX_FRAMES + 1, 1563, 100_000])
def test_a_long_run_gets_the_cap_evenly_spread_with_first_and_last(n_steps):
    steps = frame_steps(n_steps)
    assert len(steps) == MAX_FRAMES and steps[0] == 1 and steps[-1] == n_steps
    gaps = np.diff(steps)
    assert gaps.min() >= 1 and gaps.max() - gaps.min() <= 1  # as even as whole steps allow


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"every": 10}, [1, 10, 20, 30, 40, 45]),
        ({"every": 1}, list(range(1, 46))),
        ({"every": 50}, [1, 45]),
        ({"frames": 5}, [1, 12, 23, 34, 45]),
        ({"frames": 2}, [1, 45]),
        ({"frames": 1}, [45]),
        ({"frames": 45}, list(range(1, 46))),
        ({"seconds": 0.5, "fps": 10}, [1, 12, 23, 34, 45]),
        ({"seconds": 100}, list(range(1, 46))),
    ],
)
def test_every_frames_and_seconds_choose_the_steps(options, expected):
    assert frame_steps(45, **options).tolist() == expected


def test_log_spacing_is_dense_early_and_keeps_first_and_last():
    steps = frame_steps(1563, frames=50, spacing="log")
    assert steps[0] == 1 and steps[-1] == 1563 and len(steps) <= 50
    assert np.diff(steps)[:5].max() <= 1  # the first steps are all shown
    assert np.diff(steps)[-1] > 100


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"every": 5, "frames": 10}, "one of every, frames, seconds; got every, frames"),
        ({"every": 0}, "every=0"),
        ({"every": 2.5}, "every=2.5"),
        ({"frames": 0}, "frames=0"),
        ({"seconds": -1.0}, "seconds=-1.0"),
        ({"spacing": "random"}, "spacing='random'"),
        ({"every": 5, "spacing": "log"}, "not to every"),
    ],
)
def test_bad_choices_name_the_option(options, message):
    with pytest.raises(ConfigError, match=message):
        frame_steps(100, **options)


def test_a_file_without_a_step_list_is_a_clear_error(tmp_path):
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "plain.gif")
    with pytest.raises(RecordError, match="no trainlab step list"):
        movie_steps(tmp_path / "plain.gif")


def test_the_run_config_caps_movies_at_the_same_default():
    from trainlab.viz.config import OutputConfig

    assert OutputConfig().movie_frames == MAX_FRAMES
    with pytest.raises(ConfigError, match="movie_frames"):
        OutputConfig(movie_frames=0)
