"""A run's statuses, defined once, and its reason for ending in one line."""

from __future__ import annotations

import math

import pytest

from trainlab.run import status
from trainlab.stats.table import USABLE_STATUSES
from trainlab.train.history import STATUSES as HISTORY_STATUSES


def test_finished_statuses_are_the_history_endings_and_failed():
    # The words of the layers below, which this light module may not import at its top.
    assert set(status.FINISHED) == {*HISTORY_STATUSES} - {"running"} | {"failed"}
    assert status.TRAINED == USABLE_STATUSES == (status.COMPLETED, status.STOPPED)
    assert not {status.QUEUED, status.STARTING, status.NOT_STARTED, status.UNFINISHED} & set(
        status.FINISHED
    )


@pytest.mark.parametrize(
    ("meta", "said"),
    [
        ({"status": "failed", "error": "ValueError: bad\nsecond line"}, "ValueError: bad"),
        ({"status": "diverged", "stop_reason": "loss is nan", "stop_step": 3.0},
         "at step 3: loss is nan"),
        ({"status": "diverged", "stop_step": 7}, "at step 7"),
        ({"status": "stopped", "stop_reason": "no improvement for 3 epochs"},
         "no improvement for 3 epochs"),
        ({"status": "completed", "error": math.nan, "stop_reason": None}, ""),  # a table row
    ],
)  # fmt: skip
def test_why_it_ended_is_one_line(meta, said):
    assert status.why_it_ended(meta) == said


@pytest.mark.parametrize(
    ("meta", "started", "progress", "study_running", "expected"),
    [
        (None, False, False, True, status.QUEUED),
        (None, False, False, False, status.NOT_STARTED),
        (None, True, False, True, status.STARTING),
        (None, True, True, True, status.RUNNING),
        (None, True, True, False, status.UNFINISHED),  # its study was killed mid-run
        ({"status": "diverged"}, True, False, False, status.DIVERGED),
    ],
)  # fmt: skip
def test_a_runs_status_before_and_after_its_run_json(meta, started, progress, study_running,
                                                     expected):  # fmt: skip
    assert status.status_of(meta, started=started, progress=progress,
                            study_running=study_running) == expected  # fmt: skip
