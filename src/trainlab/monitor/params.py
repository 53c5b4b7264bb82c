"""Which parameters a Monitor records, under which keys, and which it leaves out and why.

Keys: a module's ``weight`` is recorded under the module's name (``fc1``, ``tok_emb``,
``blocks.0.ln1``; ``weight`` for the model's own), any other parameter under its full
name (``pos_emb``, ``blocks.0.attn.in_proj_weight``, ``fc1.bias``). A parameter shared
by several modules (tied weights) is recorded once, under the keys of every place it
is registered joined by ``=``: ``tok_emb=head``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from torch import nn

# The layers of PARAMS "layers": their weight only.
WEIGHT_TYPES: tuple[type[nn.Module], ...] = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
TIE = "="  # joins the keys of a tied parameter


@dataclass(frozen=True)
class Watched:
    """One recorded parameter.

    Attributes:
        key: its record key (see the module docstring).
        param: the parameter itself.
        names: every full name it has in the model (several when tied).
        module_type: the class name of the module that first registers it.
        layer: it is the weight of a Linear or Conv layer (in one of its places), the
            kind of tensor the diagnoses' thresholds were measured on.
    """

    key: str
    param: nn.Parameter
    names: tuple[str, ...]
    module_type: str
    layer: bool

    @property
    def frozen(self) -> bool:
        """It does not learn (``requires_grad=False``): its gradient is NaN, not zero."""
        return not self.param.requires_grad


@dataclass(frozen=True)
class Selection:
    """The parameters recorded, and those left out with the reason, in model order."""

    watched: tuple[Watched, ...]
    skipped: dict[str, str]  # full name -> why it is not recorded


def select_params(model: nn.Module, scope: str, patterns: tuple[str, ...] = ()) -> Selection:
    """The parameters of `model` to record for `scope` (a PARAMS value) and `patterns`.

    Args:
        model: the network.
        scope: ``layers``, ``weights`` or ``all`` (see `trainlab.monitor.config.PARAMS`).
        patterns: keep only parameters whose full name, key or module class matches one
            of these shell patterns; empty keeps all of `scope`.
    """
    modules = dict(model.named_modules(remove_duplicate=False))
    places: dict[int, list[str]] = {}  # id(parameter) -> its full names, in model order
    params: dict[int, nn.Parameter] = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        places.setdefault(id(param), []).append(name)
        params[id(param)] = param
    watched, skipped = [], {}
    for pid, names in places.items():
        owners = [modules[name.rpartition(".")[0]] for name in names]
        module_type = type(owners[0]).__name__
        layer = any(
            name.rpartition(".")[2] == "weight" and isinstance(owner, WEIGHT_TYPES)
            for name, owner in zip(names, owners, strict=True)
        )
        key = TIE.join(dict.fromkeys(_key(name) for name in names))
        why = _left_out(names[0], layer, scope)
        if why is None and patterns and not _matches(patterns, names, key, module_type):
            why = f"not matched by param_filter {list(patterns)}"
        if why is None:
            watched.append(Watched(key, params[pid], tuple(names), module_type, layer))
        else:
            skipped.update(dict.fromkeys(names, why))
    return Selection(tuple(watched), skipped)


def _key(name: str) -> str:
    module, _, attr = name.rpartition(".")
    return (module or "weight") if attr == "weight" else name


def _left_out(name: str, layer: bool, scope: str) -> str | None:
    attr = name.rpartition(".")[2]
    if scope == "layers" and not layer:
        return "not a Linear or Conv weight (params = 'layers'; 'weights' records it)"
    if scope == "weights" and "bias" in attr:
        return "a bias (params = 'weights'; 'all' records it)"
    return None


def _matches(patterns: tuple[str, ...], names: list[str], key: str, module_type: str) -> bool:
    candidates = [*names, key, module_type]
    return any(fnmatch.fnmatchcase(c, p) for p in patterns for c in candidates)


def skipped_summary(skipped: dict[str, str], *, limit: int = 6) -> list[str]:
    """`skipped` in sentences, one per reason: ``"3 parameters not recorded, a bias ...:
    fc1.bias, fc2.bias, fc3.bias"`` (at most `limit` names each)."""
    by_reason: dict[str, list[str]] = {}
    for name, why in skipped.items():
        by_reason.setdefault(why, []).append(name)
    lines = []
    for why, names in by_reason.items():
        shown = ", ".join(names[:limit]) + (f", ... ({len(names) - limit} more)"
                                            if len(names) > limit else "")  # fmt: skip
        count = f"{len(names)} parameter{'s' if len(names) > 1 else ''}"
        lines.append(f"{count} not recorded, {why}: {shown}")
    return lines
