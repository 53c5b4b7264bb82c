"""Functional activations: ``F.relu(x)``, ``torch.tanh(x)``, ``x.relu()``, ... seen as calls.

Most PyTorch code writes activations as functions, not modules, so module hooks never
see them. While a training forward runs, the Monitor keeps a `ActivationMode` (a
``torch.overrides.TorchFunctionMode``) on the stack: every torch function called
from Python passes through its ``__torch_function__``; the activation functions in
FUNCTIONS go to the Monitor, which reads the input before the call (so an in-place
form cannot overwrite it first) and the output after, as for an activation module.
Inside the handler the mode is off, so ``F.silu`` calling ``torch._C._nn.silu`` is
one call, and the Monitor's own copies are not seen.

A call is named by where it happens: the innermost method of a model module on the
call stack (``forward.relu`` for the model's own ``forward``, ``block.forward.gelu``,
``training_step.sigmoid``), numbered per forward pass as module calls are
(``forward.relu#0``, ``#1``, ...). Each site gets an equivalent activation module
(``F.leaky_relu(x, 0.2)`` -> ``nn.LeakyReLU(0.2)``), from which its saturation bounds,
type name and derived outputs come, exactly as for a module.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

# Training forwards watched before FUNCTIONAL "auto" decides: without a functional
# activation in them, the mode is left off for the rest of the run.
AUTO_FORWARDS = 10
# Code names of torch's own call wrappers: an activation reached from one (a hook, a
# module whose forward is the function itself) happens in that module's forward.
_CALL_WRAPPERS = ("_call_impl", "_wrapped_call_impl")


@dataclass(frozen=True)
class Op:
    """An activation function: its site name and its equivalent module."""

    name: str
    module: Callable[[tuple, dict], nn.Module]  # (args, kwargs) of the call -> module


def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any) -> Any:
    """Argument `index` (or keyword `name`) of a call, `default` when not given."""
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _fixed(make: Callable[[], nn.Module]) -> Callable[[tuple, dict], nn.Module]:
    return lambda args, kwargs: make()


_RELU = Op("relu", _fixed(nn.ReLU))
_TANH = Op("tanh", _fixed(nn.Tanh))
_SIGMOID = Op("sigmoid", _fixed(nn.Sigmoid))
_LEAKY = Op("leaky_relu", lambda a, k: nn.LeakyReLU(_arg(a, k, 1, "negative_slope", 0.01)))
_ELU = Op("elu", lambda a, k: nn.ELU(_arg(a, k, 1, "alpha", 1.0)))
_HARDTANH = Op(
    "hardtanh",
    lambda a, k: nn.Hardtanh(_arg(a, k, 1, "min_val", -1.0), _arg(a, k, 2, "max_val", 1.0)),
)

# Function -> its Op; in-place forms share their function's name.
FUNCTIONS: dict[Callable, Op] = {
    **dict.fromkeys(
        (F.relu, torch.relu, torch.Tensor.relu, torch.relu_, torch.Tensor.relu_), _RELU
    ),  # F.relu_ is torch.relu_  # fmt: skip
    F.relu6: Op("relu6", _fixed(nn.ReLU6)),
    **dict.fromkeys((F.leaky_relu, F.leaky_relu_), _LEAKY),
    **dict.fromkeys((F.elu, F.elu_), _ELU),
    F.selu: Op("selu", _fixed(nn.SELU)),
    F.celu: Op("celu", lambda a, k: nn.CELU(_arg(a, k, 1, "alpha", 1.0))),
    F.gelu: Op("gelu", lambda a, k: nn.GELU(approximate=_arg(a, k, 1, "approximate", "none"))),
    F.silu: Op("silu", _fixed(nn.SiLU)),
    F.mish: Op("mish", _fixed(nn.Mish)),
    F.softplus: Op(
        "softplus",
        lambda a, k: nn.Softplus(_arg(a, k, 1, "beta", 1.0), _arg(a, k, 2, "threshold", 20.0)),
    ),
    F.softsign: Op("softsign", _fixed(nn.Softsign)),
    **dict.fromkeys((F.hardtanh, F.hardtanh_), _HARDTANH),
    **dict.fromkeys(
        (torch.tanh, torch.Tensor.tanh, F.tanh, torch.tanh_, torch.Tensor.tanh_), _TANH
    ),  # fmt: skip
    **dict.fromkeys(
        (torch.sigmoid, torch.Tensor.sigmoid, F.sigmoid, torch.sigmoid_, torch.Tensor.sigmoid_),
        _SIGMOID,
    ),  # fmt: skip
}

# (function, its Op, positional args, keyword args) -> the function's result
OnCall = Callable[[Callable, Op, tuple, dict], Any]


class ActivationMode(TorchFunctionMode):
    """Hands each call of a function in FUNCTIONS to `on_call`; runs everything else as is."""

    def __init__(self, on_call: OnCall) -> None:
        super().__init__()
        self._on_call = on_call

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        try:
            op = FUNCTIONS.get(func)
        except TypeError:  # an unhashable callable is none of ours
            op = None
        if op is None:
            return func(*args, **kwargs)
        return self._on_call(func, op, args, kwargs)


def call_site(modules: dict[int, str], op: Op) -> tuple[nn.Module, str] | None:
    """(module, site name) of an activation call: the innermost method of one of
    `modules` (id -> name) on the call stack; None when the call is outside them."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_argcount and code.co_varnames[0] == "self":
            owner = frame.f_locals.get("self")
            name = modules.get(id(owner))
            if name is not None:
                method = "forward" if code.co_name in _CALL_WRAPPERS else code.co_name
                return owner, f"{name}.{method}.{op.name}" if name else f"{method}.{op.name}"
        frame = frame.f_back
    return None


def call_input(args: tuple, kwargs: dict) -> torch.Tensor | None:
    """The tensor an activation is applied to (its first argument)."""
    x = args[0] if args else kwargs.get("input", kwargs.get("self"))
    return x if isinstance(x, torch.Tensor) else None
