"""DiagnoseConfig: which diagnoses run live and which stop a run, and its builder."""

from __future__ import annotations

from dataclasses import dataclass

from trainlab.config import check_fields, choices, number
from trainlab.diagnose.live import EVERY, DiagnoseCallback
from trainlab.diagnose.rules import RULES
from trainlab.monitor.monitor import Monitor


@dataclass(frozen=True)
class DiagnoseConfig:
    """The ``[diagnose]`` table of a spec: diagnoses of each run, and live stops."""

    enabled: bool = True  # diagnose every monitored run once training ends (run.json)
    every: int = number(EVERY, lo=1)  # steps between live diagnoses (with stop_on)
    stop_on: tuple[str, ...] = choices(RULES)  # diagnoses that end the run, e.g. ["diverged"]

    def __post_init__(self) -> None:
        check_fields(self)


def build_diagnose_callback(
    config: DiagnoseConfig, monitor: Monitor | None
) -> DiagnoseCallback | None:
    """The live DiagnoseCallback `config` describes; None when disabled, not monitored, or
    with nothing to stop on: a live diagnosis reads the whole record back (measured 16-90 ms
    for the Fashion-MNIST MLP), too much to pay every `every` steps for nothing."""
    if not config.enabled or monitor is None or not config.stop_on:
        return None
    return DiagnoseCallback(monitor, every=config.every, stop_on=config.stop_on)
