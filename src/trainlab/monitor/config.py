"""MonitorConfig: what the Monitor records per training step; the one home of its defaults.

A Monitor is built from one MonitorConfig (``Monitor(model, config=...)``); keyword
shortcuts (``Monitor(model, mode="full")``) replace fields of it, so the defaults
and the checks live here only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from trainlab.config import check_fields, choice, number
from trainlab.errors import ConfigError
from trainlab.monitor.raw import ON_LIMIT
from trainlab.monitor.summary import EXACT_LIMIT

MODES = ("summary", "full", "sample")  # what is kept besides the per-step summaries
# Which parameters are recorded: "layers" the weights of Linear and Conv layers only;
# "weights" every parameter but biases (embeddings, norm weights, bare Parameters such
# as positional embeddings or attention's in_proj_weight); "all" biases too.
PARAMS = ("layers", "weights", "all")
# Functional activations (F.relu, torch.tanh, x.relu(), ...) seen through a
# TorchFunctionMode during training forwards: "auto" keeps the mode on only when one
# was seen in the first AUTO_FORWARDS training forwards, "on" always, "off" never.
FUNCTIONAL = ("auto", "on", "off")


@dataclass(frozen=True)
class MonitorConfig:
    """What the Monitor records per batch (docs/monitor.md describes each field)."""

    enabled: bool = True
    mode: str = choice(MODES, default="summary")
    val_size: int = number(512, lo=1)  # fixed validation samples scored after each batch
    # steps between those scores (NaN between): on a small MLP one 512-sample score costs
    # several training steps (measured 3.7 ms vs 1 ms a step on MNIST), so long runs thin it
    val_every: int = number(1, lo=1)
    grads: bool = True  # also summarise each parameter's gradient before every step
    params: str = choice(PARAMS, default="weights")
    # only parameters whose name, record key or module class matches one of these
    # shell patterns ("fc*", "*.in_proj_weight", "Embedding"); empty: no filter
    param_filter: tuple[str, ...] = ()
    functional: str = choice(FUNCTIONAL, default="auto")
    sample_size: int = number(256, lo=1)  # elements or units kept per tensor in mode "sample"
    # cap on raw tensor memory in modes "full" and "sample", MiB (1 KiB at least)
    max_mb: float = number(2048.0, lo=2**-10)
    on_limit: str = choice(ON_LIMIT, default="raise")
    exact_limit: int = number(EXACT_LIMIT, lo=1)  # larger tensors get sampled quantiles

    def __post_init__(self) -> None:
        check_fields(self)

    @property
    def max_bytes(self) -> int:
        """`max_mb` in bytes."""
        return int(self.max_mb * 2**20)

    def replace(self, **options) -> MonitorConfig:
        """A copy with `options` (field names) changed, checked like any config.

        Raises:
            ConfigError: an unknown option (naming the fields) or a bad value.
        """
        known = [f.name for f in dataclasses.fields(self)]
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise ConfigError(f"Monitor: unknown option {unknown[0]!r}; expected one of {known}")
        return dataclasses.replace(self, **options) if options else self
