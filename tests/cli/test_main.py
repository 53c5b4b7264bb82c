"""`trainlab.cli.main`: the parser, the exit codes, one line for a user mistake, a traceback
for a bug, 130 for Ctrl-C."""

from __future__ import annotations

import pytest

from trainlab import cli
from trainlab.cli import studies
from trainlab.cli.common import EXIT_CODES_HELP
from trainlab.version import __version__


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"trainlab {__version__}"
    for command in ("run", "demo", "report", "list", "movie", "evaluate", "export-tb",
                    "equivariance"):  # fmt: skip
        assert command in cli.build_parser().format_help()


def test_help_says_what_each_exit_code_means(run_cli):
    for args in ((), ("run",), ("report",)):
        help_text = run_cli(*args, "--help").out
        assert EXIT_CODES_HELP in help_text
    lines = EXIT_CODES_HELP.splitlines()[1:]
    codes = {int(line.split()[0]): line.split(maxsplit=1)[1] for line in lines}
    assert set(codes) == {0, 1, 2, 3, 130}
    assert "a mistake in the command" in codes[2] and "some runs failed" in codes[3]


@pytest.mark.parametrize("flag", ["--jobs", "--repeats", "--grid"])
def test_counts_below_one_are_refused(flag, capsys):
    assert cli.main(["run", "spec.toml", flag, "0"]) == 2
    assert f"{flag} 0; expected >= 1" in capsys.readouterr().err


def test_an_unexpected_os_error_is_a_bug_and_keeps_its_traceback(monkeypatch, tmp_path):
    # Regression: every OSError became one line, hiding bugs in our own code.
    def broken(*args, **kwargs):
        raise PermissionError("[Errno 13] Permission denied: '/internal/cache'")

    monkeypatch.setattr("trainlab.report.equivariance.equivariance_experiment", broken)
    with pytest.raises(PermissionError, match="internal/cache"):
        cli.main(["equivariance", "--out", str(tmp_path / "eq")])


def test_ctrl_c_in_a_command_exits_130_and_says_the_finished_runs_are_kept(
    run_cli, monkeypatch, tmp_path
):
    def interrupted(args):
        """Print the status of every run in a study directory."""
        raise KeyboardInterrupt

    monkeypatch.setattr(studies, "cmd_list", interrupted)
    result = run_cli("list", tmp_path)
    assert result.code == 130
    assert "interrupted; finished runs are kept, run the same command to resume" in result.err
