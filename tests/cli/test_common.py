"""What every command shares: output paths that cannot be written are one line, exit 2."""

from __future__ import annotations

import pytest

from trainlab.cli.common import output_dir, output_file
from trainlab.errors import ConfigError


@pytest.fixture
def locked(tmp_path):
    """A directory this user may not write into (skips where the user may write anywhere)."""
    directory = tmp_path / "locked"
    directory.mkdir()
    directory.chmod(0o500)
    if _writable_anyway(directory):
        directory.chmod(0o700)
        pytest.skip("running as a user who may write anywhere (root)")
    yield directory
    directory.chmod(0o700)


def _writable_anyway(directory) -> bool:
    try:
        (directory / "probe").write_text("")
    except PermissionError:
        return False
    (directory / "probe").unlink()
    return True


def test_an_output_path_that_cannot_be_written_is_one_line(run_cli, locked):
    result = run_cli("equivariance", "--out", locked / "eq")
    assert "is not writable" in result.error


def test_output_paths_that_are_the_wrong_kind_say_so(tmp_path):
    file = tmp_path / "file"
    file.write_text("")
    with pytest.raises(ConfigError, match="--out .*file: exists and is not a directory"):
        output_dir(file, "--out")
    with pytest.raises(ConfigError, match="-o .*: is a directory; give a file name"):
        output_file(tmp_path, "-o")
    assert output_dir(tmp_path / "new" / "deeper", "--out") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # checked, not created
