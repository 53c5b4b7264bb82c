"""Hooks: when a tensor belongs to a training step, and the hooks that hand it over.

What a Monitor hooks, and why:

- a forward *pre*-hook and an always-called forward hook on the model bracket each
  training forward: they restart the per-site call numbers (`trainlab.monitor.sites`)
  and keep the `ActivationMode` on the stack while the forward runs, so functional
  activations (``F.relu(x)``) are seen too (`trainlab.monitor.functional`). Code that
  never calls the attached model itself (a Lightning ``training_step`` calling
  submodules) brackets its forwards with `begin_forward` / `end_forward`; a watched
  module called outside any bracket opens a forward that the next step closes;
- a forward *pre*-hook on each activation module reads its input before the module
  runs, so ``nn.ReLU(inplace=True)`` cannot overwrite it first; a forward hook its
  output;
- optimizer step hooks: the *pre*-hook copies the gradients (``grads=True``), the
  post-hook the parameters after the update (`trainlab.monitor.capture`).

Only forward passes in training mode with autograd enabled are recorded, so
evaluation passes (``model.eval()`` or ``torch.no_grad()``) leave no trace.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from trainlab.monitor.capture import Capture
from trainlab.monitor.config import MonitorConfig
from trainlab.monitor.functional import AUTO_FORWARDS, ActivationMode, Op, call_input
from trainlab.monitor.notes import Notes
from trainlab.monitor.record import ACTIVATION_SIGNALS
from trainlab.monitor.sites import Sites

NO_ACTIVATIONS = (
    f"no activation modules or functional activations seen in {AUTO_FORWARDS} training "
    "forwards: net values, outputs, dead_frac and saturated_frac are not recorded"
)


class Hooks:
    """The hooks of one Monitor on its model, activation modules and optimizers.

    Args:
        model: the model the forward bracket goes on (a torch.compile'd wrapper itself).
        sites: what is watched, and the call numbers of the forward in progress.
        capture: where each step's tensors go.
        notes: what is said when functional capture finds nothing.
        config: ``grads`` and ``functional``.
        optimizers: watched once the hooks are attached.
    """

    def __init__(
        self, model: nn.Module, *, sites: Sites, capture: Capture, notes: Notes,
        config: MonitorConfig, optimizers: list[torch.optim.Optimizer],
    ) -> None:  # fmt: skip
        self._model = model
        self._sites = sites
        self._capture = capture
        self._notes = notes
        self._config = config
        self.optimizers = list(optimizers)  # watched (or to watch when attached)
        self.counting: torch.optim.Optimizer | None = None  # the one whose steps count
        # the forward in progress: nesting depth, whether it records, whether it was
        # opened by a capture outside any bracketed forward (closed by the next step)
        self._depth = 0
        self._open = False
        self._implicit = False
        self._stepped = False  # the counting optimizer stepped since the forward began
        self._grads_after_step = False  # a step with a closure: gradients read after it
        self.functional = config.functional != "off"  # functional capture is on
        self._mode = ActivationMode(_eager(self._on_functional))
        self._mode_pushed = False
        self._module_handles: list = []
        self._leaf_handles: list = []
        self._optimizer_handles: list = []

    # -- on and off ----------------------------------------------------------------

    def attach(self) -> None:
        """Register the model hooks and watch the optimizers given so far (once)."""
        if self._module_handles:
            return
        handles = self._module_handles
        handles.append(self._model.register_forward_pre_hook(_eager(self._on_forward)))
        handles.append(
            self._model.register_forward_hook(_eager(self._on_forward_end), always_call=True)
        )
        for module in self._sites.activations:
            handles.append(module.register_forward_pre_hook(_eager(self._on_input)))
            handles.append(module.register_forward_hook(_eager(self._on_output)))
        if self.functional:
            self._leaf_handles = [
                module.register_forward_hook(_eager(self._on_leaf_output))
                for module in self._sites.leaves
            ]
        pending, self.optimizers = self.optimizers, []
        for opt in pending:
            self.watch(opt)

    def watch(self, optimizer: torch.optim.Optimizer) -> None:
        """Hook `optimizer`'s steps (watching one twice does nothing)."""
        if any(opt is optimizer for opt in self.optimizers):
            return
        self.optimizers.append(optimizer)
        if self._config.grads:
            self._optimizer_handles.append(
                optimizer.register_step_pre_hook(_eager(self._on_pre_step))
            )
        self._optimizer_handles.append(optimizer.register_step_post_hook(_eager(self._on_step)))

    def detach(self) -> None:
        """Remove every hook (model, modules, optimizers)."""
        _remove(self._module_handles)
        _remove(self._leaf_handles)
        _remove(self._optimizer_handles)
        self._pop_mode()
        self._depth = 0

    # -- training forwards -------------------------------------------------------

    def begin_forward(self) -> None:
        """A training forward begins (nested calls count once); see `Monitor.begin_forward`."""
        self._depth += 1
        if self._depth > 1:
            return
        self._sites.restart()
        self._open = self._model.training and torch.is_grad_enabled()
        if not self._open:
            return
        self._capture.begin_forward()
        self._stepped = False
        if self.functional and not self._mode_pushed:
            self._mode.__enter__()
            self._mode_pushed = True

    def end_forward(self) -> None:
        """The training forward begun by `begin_forward` ends."""
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth:
            return
        self._pop_mode()
        if self._open and self._capture.map.forwards == AUTO_FORWARDS:
            self._after_first_forwards()
        self._open = False

    def _on_forward(self, model: nn.Module, args: tuple) -> None:
        self.begin_forward()

    def _on_forward_end(self, model: nn.Module, args: tuple, output) -> None:
        self.end_forward()

    def _pop_mode(self) -> None:
        if self._mode_pushed:
            self._mode.__exit__(None, None, None)
            self._mode_pushed = False

    def _recording(self, module: nn.Module) -> bool:
        """Whether a call of `module` now belongs to a training forward (opening one
        when the training code did not call the model)."""
        if not (module.training and torch.is_grad_enabled()):
            return False
        if self._depth:
            return self._open
        if not self._implicit:  # closed by the next optimizer step
            self._implicit = True
            self._sites.restart()
            self._capture.begin_forward()
            self._stepped = False
        return True

    def _after_first_forwards(self) -> None:
        """After AUTO_FORWARDS training forwards: say what was not seen; leave functional
        capture off when it found nothing and was on "auto". The layer before each
        functional site is known by then, so the leaf hooks that name it go."""
        _remove(self._leaf_handles)
        seen = any(key[0] == "net_values" for key in self._capture.tracks)
        if not seen and self._config.functional != "off":
            self._notes.say("activations", NO_ACTIVATIONS, warn=True)
            self._notes.lack(ACTIVATION_SIGNALS, NO_ACTIVATIONS.partition(":")[0])
        if self._config.functional == "auto" and not self._sites.functional:
            self.functional = False
            text = f"no functional activation in {AUTO_FORWARDS} training forwards"
            self._notes.say("functional", f"{text}: functional capture stopped")

    # -- activations -------------------------------------------------------------

    def _on_input(self, module: nn.Module, args: tuple) -> None:
        if not args or not isinstance(args[0], torch.Tensor) or not self._recording(module):
            return
        name = self._sites.activations[module]
        self._capture.tensor(("net_values", name, self._sites.next_call(name)), args[0])

    def _on_output(self, module: nn.Module, args: tuple, output: torch.Tensor) -> None:
        name = self._sites.activations[module]
        call = self._sites.last_call(name)
        if call < 0 or not isinstance(output, torch.Tensor) or not self._recording(module):
            return
        self._capture.output(name, call, output)

    def _on_leaf_output(self, module: nn.Module, args: tuple, output) -> None:
        if self._mode_pushed and isinstance(output, torch.Tensor):
            self._sites.leaf_output(module, output)

    def _on_functional(self, func: Callable, op: Op, args: tuple, kwargs: dict):
        """An activation function called during a training forward (ActivationMode)."""
        x = call_input(args, kwargs)
        if self._capture.busy or x is None or not torch.is_grad_enabled():
            return func(*args, **kwargs)
        name = self._sites.functional_site(op, args, kwargs)
        if name is None:
            return func(*args, **kwargs)
        call = self._sites.next_call(name)
        self._sites.took(name, call, x)
        self._capture.tensor(("net_values", name, call), x)
        output = func(*args, **kwargs)
        if isinstance(output, torch.Tensor):
            self._capture.output(name, call, output)
        return output

    # -- optimizer steps -------------------------------------------------------

    def _on_pre_step(self, optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        if not self._counts(optimizer):
            return
        if (args and args[0] is not None) or kwargs.get("closure") is not None:
            # step(closure): the gradients are computed inside the step (Lightning,
            # LBFGS); the update leaves them as the optimizer used them
            self._grads_after_step = True
            return
        self._capture.grads()

    def _on_step(self, optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        if not self._counts(optimizer):
            if self._stepped:  # after the counting one, in the same iteration
                self._capture.rewrite_weights()
            return
        if self._grads_after_step:
            self._grads_after_step = False
            self._capture.grads()
        if self._implicit and self._capture.map.forwards == AUTO_FORWARDS:
            self._after_first_forwards()
        self._stepped = True
        self._implicit = False
        self._capture.step()

    def _counts(self, optimizer: torch.optim.Optimizer) -> bool:
        """Whether `optimizer`'s steps are the ones counted (the first to step is)."""
        if self.counting is None:
            self.counting = optimizer
        return optimizer is self.counting


def _eager(hook: Callable) -> Callable:
    """`hook` run eagerly also inside a torch.compile'd model: Dynamo breaks the graph
    there instead of tracing the Monitor's bookkeeping (which recompiled it every step).
    Costs ~0.8 us a call uncompiled (measured)."""
    return torch.compiler.disable(hook)


def _remove(handles: list) -> None:
    for handle in handles:
        handle.remove()
    handles.clear()
