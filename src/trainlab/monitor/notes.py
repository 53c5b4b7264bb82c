"""What a Monitor cannot see, said in sentences: at attach time, during the first
training forwards, and in ``record.meta["notes"]``.

A note the user would not expect (no activation seen at all, a filter that matched
nothing) is also issued as a `MonitorWarning`; one the defaults imply (biases are
not recorded) is only kept. ``missing`` names each signal that was not captured and
why, so a diagnosis that needs it can say why it was skipped.
"""

from __future__ import annotations

import warnings


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

    def drop(self, topic: str) -> None:
        """Forget `topic` (what it said no longer holds)."""
        self._text.pop(topic, None)

    def lack(self, signals: tuple[str, ...], why: str) -> None:
        """`signals` were not captured, because `why`."""
        self.missing.update(dict.fromkeys(signals, why))

    @property
    def sentences(self) -> list[str]:
        """Every note, in the order first said."""
        return list(self._text.values())
