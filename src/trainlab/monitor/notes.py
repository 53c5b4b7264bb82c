"""What a Monitor cannot see, said in sentences: at attach time, during the first
training forwards, and in ``record.meta["notes"]``.

A note the user would not expect (no activation seen at all, a filter that matched
nothing) is also issued as a `MonitorWarning`; one the defaults imply (biases are
not recorded) is only kept. ``missing`` names each signal that was not captured and
why, so a diagnosis that needs it can say why it was skipped.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from trainlab.monitor.config import MonitorConfig
from trainlab.monitor.params import Watched, skipped_summary
from trainlab.monitor.record import ACTIVATION_SIGNALS


class MonitorWarning(UserWarning):
    """The Monitor cannot see something the run would normally show."""


class Notes:
    """One sentence per topic, in the order first said, and the signals not captured."""

    def __init__(self) -> None:
        self._text: dict[str, str] = {}
        self.missing: dict[str, str] = {}  # signal -> why it was not captured

    def say(self, topic: str, text: str, *, warn: bool = False) -> None:
        """Keep `text` under `topic` (replacing an earlier one); warn the first time."""
        if self._text.get(topic) == text:
            return
        self._text[topic] = text
        if warn:
            warnings.warn(f"Monitor: {text}", MonitorWarning, stacklevel=4)

    def lack(self, signals: tuple[str, ...], why: str) -> None:
        """`signals` were not captured, because `why`."""
        self.missing.update(dict.fromkeys(signals, why))

    def at_attach(
        self, params: Sequence[Watched], skipped: dict[str, str], config: MonitorConfig, *,
        activation_modules: bool,
    ) -> None:  # fmt: skip
        """What is known at attach time: parameters left out, frozen or tied, no gradients,
        nothing that could show an activation."""
        for line in skipped_summary(skipped):
            self.say(f"skipped:{line}", line)  # what the scope or filter chose: no surprise
        if config.param_filter and not params:
            patterns = list(config.param_filter)
            self.say("filter", f"param_filter {patterns} matched no parameter", warn=True)
        frozen = ", ".join(w.key for w in params if w.frozen)
        if frozen:
            self.say("frozen", "parameters that do not learn (requires_grad=False; their "
                     f"gradients are NaN): {frozen}")  # fmt: skip
        tied = ", ".join(w.key for w in params if len(w.names) > 1)
        if tied:
            text = "tied parameters, recorded once under a key naming each place"
            self.say("tied", f"{text}: {tied}")
        if not config.grads:
            self.say("grads", "gradients not recorded (grads=False)")
            self.lack(("grad_norm",), "gradients were not recorded (grads=False)")
        if not activation_modules and config.functional == "off":
            why = "no activation module and functional = 'off'"
            self.say("activations", f"{why}: no activation is recorded", warn=True)
            self.lack(ACTIVATION_SIGNALS, why)

    def at_record(
        self, *, optimizers: int, per_step: dict | None, forwards: int, steps: int
    ) -> list[str]:
        """Every note for a record made now: those said so far, then what only the
        record knows (no optimizer or step, several forwards per step). The latter are
        not kept: a record made mid-run must not leave a note that later stops holding."""
        now = []
        if not optimizers:
            now.append("no optimizer watched: parameters hold their first values only and "
                       "no gradient is recorded")  # fmt: skip
        if per_step is not None and per_step["max"] > 1:
            count = f"{per_step['min']}-{per_step['max']} training forwards per optimizer step"
            now.append(f"{count}: activations are those of the last forward of each step")
        if forwards and steps == 0:
            now.append("no optimizer step seen: activations are kept per forward")
        return self.sentences + now

    @property
    def sentences(self) -> list[str]:
        """Every note, in the order first said."""
        return list(self._text.values())
