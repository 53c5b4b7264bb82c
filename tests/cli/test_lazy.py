"""Choices imported when argparse first needs them (`trainlab.cli.lazy`), and packages that
import their public names on first use: `trainlab --help` and `trainlab list` start without
torch, pandas or matplotlib. A fresh interpreter is the only place to see what a start
imports, so each such case starts one."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys

import pytest

from trainlab.cli.lazy import LazyChoices

HEAVY = ("torch", "pandas", "matplotlib")
# Packages whose __init__ imports each public name from its module on first use.
LAZY_PACKAGES = ("trainlab.monitor", "trainlab.run", "trainlab.study", "trainlab.report")


def _heavy_after(code: str) -> list[str]:
    """The modules of HEAVY imported by a fresh interpreter running `code`."""
    script = f"import sys\n{code}\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def test_lazy_choices_import_their_module_only_when_used():
    choices = LazyChoices("trainlab.data.sources", "DATASET_NAMES")
    assert choices._values is None
    assert "mnist" in choices and list(choices) == ["mnist", "fashion-mnist", "cifar10"]


@pytest.mark.parametrize("command", [["--help"], ["list", "{study}"]])
def test_help_and_list_start_without_torch_pandas_or_matplotlib(command, fake_study):
    args = [a.format(study=fake_study) for a in command]
    code = f"from trainlab.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass"
    assert _heavy_after(code) == []


@pytest.mark.parametrize(
    "module",
    ["trainlab.study.studydir", "trainlab.run.rundir", "trainlab.run.metrics",
     "trainlab.monitor.record"],
)  # fmt: skip
def test_the_modules_list_reads_its_names_from_import_without_torch_pandas_or_matplotlib(module):
    assert _heavy_after(f"import {module}") == []


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_a_lazy_package_gives_each_public_name_from_its_module(name):
    package = importlib.import_module(name)
    for public in package.__all__:
        home = importlib.import_module(f"{name}.{package._HOMES[public]}")
        assert getattr(package, public) is getattr(home, public), public
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match="no_such_name"):
        package.no_such_name  # noqa: B018
    # A public name equal to a module's name would be that module once it is imported.
    modules = {info.name for info in pkgutil.iter_modules(package.__path__)}
    assert not set(package.__all__) & modules


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_a_lazy_package_imports_its_modules_only_when_a_name_is_used(name):
    code = f"import {name}\nassert {name}.__all__ and all(n in dir({name}) for n in {name}.__all__)"
    assert _heavy_after(code) == []
