"""The example notebook runs top to bottom on real Fashion-MNIST, in this venv's Python."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from trainlab.data.locate import locate

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"


@pytest.fixture
def venv_kernel(tmp_path, monkeypatch):
    """A ``python3`` kernel spec that starts this interpreter (JUPYTER_PATH is searched first)."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "trainlab venv", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "python3"


@pytest.mark.slow
def test_quickstart_notebook_executes_and_shows_record_movie_and_history(tmp_path, venv_kernel):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    if locate("fashion-mnist", "train") is None or locate("fashion-mnist", "test") is None:
        pytest.skip("Fashion-MNIST is not installed on this machine")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name=venv_kernel, timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    results = [out["data"] for out in outputs if out.output_type == "execute_result"]
    assert any(data.get("text/plain") == "100" for data in results)  # record.n_steps
    html = [data["text/html"] for data in results if "text/html" in data]
    assert any("trainlab-record" in h and "data:image/png;base64," in h for h in html)
    assert any("trainlab-history" in h for h in html)
    assert any("image/gif" in data for data in results)  # the movie, shown inline
    assert (tmp_path / "quickstart_movie.gif").read_bytes()[:6] == b"GIF89a"
