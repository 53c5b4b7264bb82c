"""trainlab: a PyTorch lab for watching small neural networks learn."""

from typing import Any

from trainlab.version import __version__

__all__ = ["__version__", "evaluate_run", "load_ipython_extension", "load_run", "watch"]


def __getattr__(name: str) -> Any:
    """`trainlab.load_run` and `trainlab.evaluate_run`, imported on first use.

    Lazy so that `import trainlab` (and `trainlab --help`) stays light.
    """
    if name in ("load_run", "evaluate_run"):
        from trainlab.run import reload

        return getattr(reload, name)
    raise AttributeError(f"module 'trainlab' has no attribute {name!r}")


def watch(model: Any, optimizer: Any = None, **options: Any) -> Any:
    """Record `model` as it trains, in one line: a `trainlab.monitor.Monitor` attached to
    it (and watching `optimizer`, one or several), returned.

    ``options`` are `trainlab.monitor.MonitorConfig` fields (``mode="full"``,
    ``grads=False``, ``params="all"``, ...). Then ``monitor.log_losses(loss)`` each
    step, and ``monitor.to_record()`` for figures and diagnoses (docs/byo.md).
    """
    from trainlab.monitor import Monitor

    return Monitor(model, optimizer=optimizer, **options)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext trainlab``: show Records and Histories as HTML in Jupyter."""
    from trainlab.integrations.notebook import load_ipython_extension as load

    load(ipython)
