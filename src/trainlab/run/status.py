"""Every status a run can have, defined once, and the words shown for them.

A finished run's status is in its run.json: the History's ending (completed,
stopped, diverged) or `FAILED` (its code raised). Before that, the study stage and
the report say where it stands: queued, starting, running, or, when the study is
no longer running, not started or unfinished.

This module imports nothing heavy (`trainlab list` reads it without torch or pandas);
tests hold its words equal to the History's endings and to the statistics' rule of
which runs count (`trainlab.stats.table.USABLE_STATUSES`), the two layers below it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

COMPLETED = "completed"  # fit() ran its planned steps
STOPPED = "stopped"  # a callback ended it early (early stopping, a live diagnosis)
DIVERGED = "diverged"  # a non-finite loss ended it
FAILED = "failed"  # the run raised: its traceback is in error.txt, its error in run.json
FINISHED: tuple[str, ...] = (COMPLETED, STOPPED, DIVERGED, FAILED)  # run.json is written
TRAINED: tuple[str, ...] = (COMPLETED, STOPPED)  # metrics describe a trained model

# Before run.json exists:
RUNNING = "running"  # its progress.json says how far it is
STARTING = "starting"  # it has a directory but no progress yet (loading data, building)
QUEUED = "queued"  # not started; the study is running
NOT_STARTED = "not started"  # not started, and the study is not running (interrupted)
UNFINISHED = "unfinished"  # started, never finished, and the study is not running

PROBLEMS: tuple[str, ...] = (FAILED, DIVERGED, UNFINISHED)  # listed where a report sums up


def status_of(
    meta: Mapping[str, Any] | None, *, started: bool, progress: bool, study_running: bool
) -> str:
    """A run's status: its run.json's (`meta`) once it has finished; before, where it
    stands, from whether it has a directory (`started`) and a progress.json, and
    whether its study is still running."""
    if not started:
        return QUEUED if study_running else NOT_STARTED
    if meta is not None:
        return str(meta.get("status", "?"))
    if not study_running:
        return UNFINISHED
    return RUNNING if progress else STARTING


def why_it_ended(meta: Mapping[str, Any]) -> str:
    """A finished run's reason in one line: a failed run's error, else the stop reason
    (with the step of a divergence), else "" (a run that simply completed)."""
    error, reason = _text(meta.get("error")), _text(meta.get("stop_reason"))
    step = meta.get("stop_step")
    if meta.get("status") == DIVERGED and _text(step):
        reason = f"at step {int(float(step))}" + (f": {reason}" if reason else "")
    return (error or reason).splitlines()[0] if (error or reason) else ""


def _text(value: Any) -> str:
    """`value` as text; "" for None and NaN (a results-table cell with nothing in it)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)
