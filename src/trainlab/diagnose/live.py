"""DiagnoseCallback: diagnose a run while it trains, and stop it on chosen diagnoses."""

from __future__ import annotations

from collections.abc import Iterable

from trainlab.diagnose.diagnosis import Diagnosis
from trainlab.diagnose.rules import RULES, diagnose
from trainlab.errors import ConfigError
from trainlab.monitor.monitor import Monitor
from trainlab.train.callbacks import Callback, TrainState

# Steps between live diagnoses: each reads the whole record back (a few ms for a small
# MLP), so a few hundred steps keep it well under 1 % of training time.
EVERY = 200


class DiagnoseCallback(Callback):
    """Every `every` steps (and at the end), diagnose the run from `monitor.to_record()`
    and the History so far; stop training at the first diagnosis named in `stop_on`.

    A stop on ``diverged`` ends the run with status ``diverged``, any other with
    ``stopped``; the reason names the diagnosis, its steps and layer. Deciding is
    `diagnose`'s (a pure function); this callback only acts on it.

    Args:
        monitor: the Monitor recording the run (its MonitorLogger logs the losses;
            put this callback after it).
        every: steps between diagnoses.
        stop_on: diagnosis names (keys of RULES) that end the run.

    Attributes:
        diagnoses: the last diagnoses made (after training: of the whole run).
    """

    def __init__(
        self, monitor: Monitor, *, every: int = EVERY, stop_on: Iterable[str] = ()
    ) -> None:
        stop_on = tuple(stop_on)
        unknown = [name for name in stop_on if name not in RULES]
        if unknown:
            raise ConfigError(
                f"stop_on: unknown diagnosis {unknown[0]!r}; expected one of {list(RULES)}"
            )
        if every < 1:
            raise ConfigError(f"every = {every!r}; expected a positive number of steps")
        self.monitor = monitor
        self.every = every
        self.stop_on = stop_on
        self.diagnoses: list[Diagnosis] = []

    def on_batch_end(self, state: TrainState) -> None:
        """Diagnose on every `every`-th step; stop on a diagnosis in `stop_on`."""
        if state.step % self.every == 0:
            self._check(state)

    def on_train_end(self, state: TrainState) -> None:
        """The diagnoses of the whole run."""
        self.diagnoses = diagnose(self.monitor.to_record(), state.history)

    def _check(self, state: TrainState) -> None:
        self.diagnoses = diagnose(self.monitor.to_record(), state.history)
        stopping = next((d for d in self.diagnoses if d.name in self.stop_on), None)
        if stopping is not None:
            status = "diverged" if stopping.name == "diverged" else "stopped"
            state.request_stop(
                f"diagnosis {stopping.name} at {stopping.where()}: {stopping.explanation}",
                status=status,
            )
