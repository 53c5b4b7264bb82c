"""Test-wide settings, the tiny study over generated data that the stage tests share, the
command line called in this process, and waiting with one deadline."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch

from trainlab import cli
from trainlab.data.synthetic import write_synthetic


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """One intra-op thread: on a shared 2-core machine, two threads oversubscribe the cores
    and small matmuls get several times slower; results stay deterministic either way."""
    torch.set_num_threads(1)


@pytest.fixture
def no_user_data(monkeypatch, tmp_path):
    """A fresh empty HOME (so no user cache) and no TRAINLAB_DATA; returns the HOME."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TRAINLAB_DATA", raising=False)
    return home


@pytest.fixture(scope="session")
def data_root(tmp_path_factory):
    """A generated Fashion-MNIST-format dataset (IDX gz), small and learnable."""
    return write_synthetic(
        "fashion-mnist", tmp_path_factory.mktemp("data"), n_train=1_200, n_test=200
    )


@pytest.fixture
def tiny_spec(tmp_path, data_root):
    """Write a 4-run spec (lr x dropout) of an 8-step MLP; returns its path."""

    def write(extra: str = "", grid: str | None = None):
        grid = grid or '"optim.lr" = [0.01, 0.001]\n"model.mlp.dropout" = [0.0, 0.5]'
        path = tmp_path / "tiny.toml"
        path.write_text(
            f"""
name = "tiny"
[data]
name = "fashion-mnist"
root = "{data_root}"
val_size = 200
[model.mlp]
hidden = [16]
[train]
max_steps = 8
[monitor]
val_size = 64
{extra}
[grid]
{grid}
"""
        )
        return path

    return write


@dataclass(frozen=True)
class CliResult:
    """What one `trainlab` command printed, and its exit code."""

    code: int
    out: str
    err: str

    @property
    def error(self) -> str:
        """The one line a user mistake prints (exit 2, no traceback), without its prefix."""
        assert self.code == 2, (self.code, self.err)
        lines = self.err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in self.err, self.err
        return lines[0].removeprefix("trainlab: error: ")


@pytest.fixture
def run_cli(capsys) -> Callable[..., CliResult]:
    """`trainlab ARGS` called in this process (`trainlab.cli.main`), as a user types it;
    returns its exit code and output. A bug raises here, with its traceback."""

    def run(*args: Any) -> CliResult:
        capsys.readouterr()  # what the test printed before is not the command's
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as done:  # argparse: --help, --version, usage errors
            code = done.code
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def _wait_until(
    predicate: Callable[[], Any], timeout: float, what: str | Callable[[], str], *,
    every: float = 0.05,
) -> Any:  # fmt: skip
    """The first truthy value of `predicate()`, asked every `every` seconds until one
    deadline `timeout` seconds away; after it the test fails saying `what` it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            said = what() if callable(what) else what
            pytest.fail(f"waited {timeout:g} s for {said}")
        time.sleep(every)


@pytest.fixture
def wait_until() -> Callable[..., Any]:
    """`wait_until(predicate, timeout, what)`: poll with one deadline (see `_wait_until`)."""
    return _wait_until
