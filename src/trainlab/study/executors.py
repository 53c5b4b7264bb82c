"""Choosing an executor by the name given on the command line."""

from __future__ import annotations

from trainlab.errors import ConfigError
from trainlab.study.executor import Executor
from trainlab.study.local_executor import LocalExecutor

EXECUTORS = ("local", "ray")


def make_executor(
    kind: str, *, jobs: int | None = None, address: str | None = None, share_data: bool = True
) -> Executor:
    """The executor named on the command line ("local" or "ray")."""
    if kind not in EXECUTORS:
        raise ConfigError(f"executor {kind!r}; expected one of {', '.join(EXECUTORS)}")
    if kind == "ray":
        from trainlab.study.ray_executor import RayExecutor  # optional extra, imported lazily

        return RayExecutor(address=address, num_cpus=jobs, share_data=share_data)
    if address or not share_data:
        raise ConfigError("--address and --no-share-data are only used with --executor ray")
    return LocalExecutor(jobs)
