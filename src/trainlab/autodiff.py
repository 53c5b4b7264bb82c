"""Gradient and Jacobian norms, one-hot targets and a probability-clipped cross-entropy."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from trainlab.errors import ConfigError


def gradient_norm(fn: Callable[..., torch.Tensor], tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """Euclidean norm of the gradient of the scalar ``fn(*tensors)`` w.r.t. all ``tensors``.

    The gradients of every input are concatenated into one vector; inputs ``fn`` does
    not use contribute zeros. The inputs themselves are not modified.
    """
    inputs = [t.detach().clone().requires_grad_(True) for t in tensors]
    out = fn(*inputs)
    if out.numel() != 1:
        raise ConfigError(f"gradient_norm: fn returned shape {tuple(out.shape)}; expected a scalar")
    grads = torch.autograd.grad(out.reshape(()), inputs, allow_unused=True)
    squares = [g.pow(2).sum() for g in grads if g is not None]
    if not squares:
        return torch.zeros((), dtype=out.dtype, device=out.device)
    return torch.stack(squares).sum().sqrt()


def jacobian_norm(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Frobenius norm of the Jacobian of ``fn`` at ``x`` (any input and output shapes).

    Built with reverse mode over all outputs at once (``torch.func.jacrev``), so ``fn``
    must be written in torch operations.
    """
    jac = torch.func.jacrev(fn)(x.detach())  # (*out_shape, *in_shape)
    return torch.linalg.vector_norm(jac)


def model_gradient_norm(model: nn.Module) -> torch.Tensor:
    """Euclidean norm of all parameter gradients of ``model`` flattened into one vector.

    Returns a 0-d tensor on the parameters' device (no host sync); 0 before any backward.
    """
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros(())
    norms = torch._foreach_norm(grads)  # one fused kernel per dtype/device, as clip_grad_norm_
    return torch.linalg.vector_norm(torch.stack(norms))


def one_hot(y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """(N,) integer labels -> (N, n_classes) float32 one-hot rows, without a host sync.

    Called every batch by the ``mse`` and ``clipped_cross_entropy`` losses, so the label
    range is checked only for CPU labels (free there): on a GPU, reading ``y.min()`` /
    ``y.max()`` would stall it, and an out-of-range label trips a device-side assert of
    ``torch.nn.functional.one_hot`` instead, as it does in ``F.cross_entropy``.
    """
    if y.dim() != 1 or y.dtype.is_floating_point:
        raise ConfigError(f"one_hot: y has shape {tuple(y.shape)}, dtype {y.dtype}; "
                          "expected a 1-D integer tensor")  # fmt: skip
    if y.device.type == "cpu" and y.numel() and (int(y.min()) < 0 or int(y.max()) >= n_classes):
        raise ConfigError(
            f"one_hot: labels span [{int(y.min())}, {int(y.max())}]; "
            f"expected 0 <= label < n_classes = {n_classes}"
        )
    return torch.nn.functional.one_hot(y.long(), n_classes).float()


def clipped_cross_entropy(
    probs: torch.Tensor, targets: torch.Tensor, *, eps: float = 1e-7
) -> torch.Tensor:
    """Mean cross-entropy of predicted probabilities, clipped to [eps, 1 - eps] before the log.

    Args:
        probs: (N, C) probabilities (softmax outputs).
        targets: (N, C) one-hot (or soft) targets, or (N,) integer labels.
        eps: clipping bound; keeps the loss finite when a probability is exactly 0.

    Returns:
        0-d tensor that carries the graph, so it can be backpropagated.
    """
    if not 0.0 < eps < 0.5:
        raise ConfigError(f"clipped_cross_entropy eps = {eps!r}; expected 0 < eps < 0.5")
    if targets.dim() == 1:
        targets = one_hot(targets, probs.shape[1])
    log_probs = torch.log(probs.clamp(eps, 1.0 - eps))  # (N, C)
    return -(targets * log_probs).sum(dim=1).mean()
