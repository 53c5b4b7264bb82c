"""A study directory as a study leaves it (index and run.json files, no training), for
the commands that only read one."""

from __future__ import annotations

import json

import pytest


def _write(path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@pytest.fixture
def fake_study(tmp_path):
    """A study index and run.json files as a study leaves them (no training)."""
    out = tmp_path / "study"
    _write(out / "study.json", {"name": "s", "runs": ["lr=0.1", "lr=0.01", "lr=9"],
                                "report": {"rank_by": "val_acc"}})  # fmt: skip
    dead = {"name": "dead_units", "severity": "warning"}
    _write(
        out / "runs" / "lr=0.1" / "run.json",
        {
            "status": "completed",
            "seconds": 12.25,
            "varied": {"lr": "0.1"},
            "metrics": {"val_acc": 0.8571, "val_loss": 0.41},
            "diagnoses": [dead, dead],
        },
    )
    _write(out / "runs" / "lr=0.1" / "config.json", {"config": {}})
    _write(
        out / "runs" / "lr=0.01" / "run.json",
        {
            "status": "completed",
            "seconds": 10.0,
            "varied": {"lr": "0.01"},
            "metrics": {"val_acc": 0.8402, "val_loss": 0.45},
            "diagnoses": [],
        },
    )
    _write(out / "runs" / "lr=0.01" / "config.json", {"config": {}})  # fmt: skip
    return out
