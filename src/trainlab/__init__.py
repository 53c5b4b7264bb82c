"""trainlab: a PyTorch lab for watching small neural networks learn."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trainlab")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "evaluate_run", "load_run"]


def __getattr__(name: str):
    """`trainlab.load_run` and `trainlab.evaluate_run`, imported on first use.

    Lazy so that `import trainlab` (and `trainlab --help`) stays light.
    """
    if name in ("load_run", "evaluate_run"):
        from trainlab import runs

        return getattr(runs, name)
    raise AttributeError(f"module 'trainlab' has no attribute {name!r}")
