"""Choices imported when argparse first needs them (`trainlab.cli.lazy`): `trainlab --help`
and `trainlab list` start without torch, pandas or matplotlib. A fresh interpreter is the
only place to see what a start imports, so each case starts one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trainlab.cli.lazy import LazyChoices


def test_lazy_choices_import_their_module_only_when_used():
    choices = LazyChoices("trainlab.data.sources", "DATASET_NAMES")
    assert choices._values is None
    assert "mnist" in choices and list(choices) == ["mnist", "fashion-mnist", "cifar10"]


@pytest.mark.parametrize("command", [["--help"], ["list", "{study}"]])
def test_help_and_list_start_without_torch_pandas_or_matplotlib(command, fake_study):
    args = [a.format(study=fake_study) for a in command]
    script = (
        f"import sys\nfrom trainlab.cli import main\ntry:\n    main({args!r})\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch', 'pandas', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
