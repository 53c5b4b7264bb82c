"""What a classifier's last layer emits: logits, probabilities or log-probabilities.

A loss names the output it expects (`trainlab.train.losses.LOSSES`), so a run's
network ends with the matching head.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from trainlab.errors import ConfigError

OUTPUTS: dict[str, Callable[[], nn.Module] | None] = {
    "logits": None,  # the output layer as it is
    "softmax": lambda: nn.Softmax(dim=1),  # probabilities, for the clipped cross-entropy
    "log_softmax": lambda: nn.LogSoftmax(dim=1),  # log-probabilities, for the NLL loss
}


def output_head(output: str) -> list[tuple[str, nn.Module]]:
    """The named modules appended after the output layer for `output` (none for logits)."""
    if output not in OUTPUTS:
        raise ConfigError(f"output = {output!r}; expected one of {', '.join(OUTPUTS)}")
    make = OUTPUTS[output]
    return [] if make is None else [(output, make())]
