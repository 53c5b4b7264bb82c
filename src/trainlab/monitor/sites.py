"""Sites: what a Monitor watches in a model, and the name each recorded tensor goes by.

Parameters are chosen by `trainlab.monitor.params`. Activation sites are the activation
modules (ACTIVATION_TYPES) and, once seen in a training forward, the functional
activations (`trainlab.monitor.functional`); each site has an activation module (a
functional site its equivalent one), from which come its saturation bounds, its type
name and whether its outputs follow from its inputs.

A site reached several times in one forward pass (a residual block reusing one ReLU)
has one call site per call, numbered per forward: ``block.relu#0``, ``block.relu#1``;
a site reached once per forward keeps its bare name.
"""

from __future__ import annotations

import weakref

import torch
from torch import nn

from trainlab.errors import ConfigError
from trainlab.monitor.config import MonitorConfig
from trainlab.monitor.functional import Op, call_site
from trainlab.monitor.params import select_params
from trainlab.monitor.raw import Key
from trainlab.monitor.signals import saturation_bounds

ACTIVATION_TYPES: tuple[type[nn.Module], ...] = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
    nn.SiLU, nn.Mish, nn.Tanh, nn.Sigmoid, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid,
    nn.Softplus, nn.Softsign, nn.LogSigmoid, nn.Tanhshrink,
)  # fmt: skip


class Sites:
    """The watched parameters and activation sites of one model, and their calls per forward.

    Args:
        model: the network; of a torch.compile'd one, the original's modules and names
            (no ``_orig_mod.`` in them).
        config: its ``params``, ``param_filter`` and ``functional`` choose what is watched.

    Raises:
        ConfigError: a model with nothing to record.
    """

    def __init__(self, model: nn.Module, config: MonitorConfig) -> None:
        network = getattr(model, "_orig_mod", model)
        selection = select_params(network, config.params, config.param_filter)
        self.params = selection.watched
        self.skipped = selection.skipped  # full name -> why it is not recorded
        self.activations: dict[nn.Module, str] = {
            module: name for name, module in network.named_modules()
            if isinstance(module, ACTIVATION_TYPES)
        }  # fmt: skip
        if not self.params and not self.activations and config.functional == "off":
            raise ConfigError(
                f"Monitor: {type(model).__name__} has no parameter to record (params = "
                f"{config.params!r}, param_filter = {list(config.param_filter)}), no activation "
                "module, and functional = 'off'; nothing to record"
            )
        self._module_names = {id(module): name for name, module in network.named_modules()}
        # Activation sites by name: the module, or a functional site's equivalent module.
        self.modules = {name: module for module, name in self.activations.items()}
        self.bounds = {name: saturation_bounds(module) for name, module in self.modules.items()}
        self.functional: set[str] = set()  # the functional sites seen
        # The leaf modules (not activations) whose output a functional activation may
        # take: the last one's output, to name the layer a site comes after.
        self.leaves = {
            module: name for name, module in network.named_modules()
            if next(module.children(), None) is None and module not in self.activations
        }  # fmt: skip
        self._last_output: tuple[weakref.ref, str] | None = None
        self.inputs_of: dict[tuple[str, int], str] = {}  # (site, call) -> layer before it
        self._calls: dict[str, int] = {}  # call index within the current forward pass
        self.max_calls: dict[str, int] = {}  # most calls seen in one forward pass

    def restart(self) -> None:
        """A forward pass begins: call numbers start again at 0."""
        self._calls.clear()

    def next_call(self, name: str) -> int:
        """The call number of this call of site `name` in the current forward pass."""
        call = self._calls.get(name, 0)
        self._calls[name] = call + 1
        if call >= self.max_calls.get(name, 0):
            self.max_calls[name] = call + 1
        return call

    def last_call(self, name: str) -> int:
        """The number of the latest call of site `name` in this forward pass (-1: none)."""
        return self._calls.get(name, 0) - 1

    def functional_site(self, op: Op, args: tuple, kwargs: dict) -> str | None:
        """The site name of a call of activation function `op` during a training forward,
        made a site the first time; None when the call is not the model's to record (outside
        its modules, inside an activation module, or in a module in evaluation mode)."""
        site = call_site(self._module_names, op)
        # an activation module's own F.relu is the module's call, seen by its hooks
        if site is None or site[0] in self.activations or not site[0].training:
            return None
        name = site[1]
        if name not in self.modules:
            self.modules[name] = module = op.module(args, kwargs)
            self.bounds[name] = saturation_bounds(module)
            self.functional.add(name)
        return name

    def leaf_output(self, module: nn.Module, output: torch.Tensor) -> None:
        """Leaf `module` returned `output` (a functional activation may take it next)."""
        self._last_output = (weakref.ref(output), self.leaves[module])

    def took(self, name: str, call: int, x: torch.Tensor) -> None:
        """Call `call` of functional site `name` took `x`: name the layer that gave it."""
        last = self._last_output
        if last is not None and last[0]() is x and (name, call) not in self.inputs_of:
            self.inputs_of[(name, call)] = last[1]

    def name(self, key: Key) -> str:
        """The record name of a capture: the parameter key, or the call site (``#call``
        only for a site reached more than once in a forward)."""
        kind, name, call = key
        if kind in ("weights", "grads") or self.max_calls.get(name, 1) <= 1:
            return name
        return f"{name}#{call}"
