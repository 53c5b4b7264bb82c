"""How fast `trainlab --help` and `trainlab list` answer, against Python itself and torch.

Each command runs in a fresh interpreter (as a user types it), several times, and the
median wall time is printed beside two baselines measured the same way: ``python -c
pass`` (the interpreter's own start) and ``python -c "import torch"`` (what every
command paid when the parser imported the study and run packages). `list` reads a
study of 12 runs written here as the runner leaves it (index and run.json files).

Run: ``python benchmarks/cli_startup.py [--repeats 7]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 1.0  # "well under a second"


def _median_seconds(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _study(out: Path) -> Path:
    """A study index and 12 finished runs' run.json, as the runner writes them."""
    names = [f"lr={lr}_seed={seed}" for lr in (0.1, 0.01, 0.001, 0.0001) for seed in range(3)]
    out.mkdir(parents=True)
    (out / "study.json").write_text(json.dumps({"name": "s", "runs": names,
                                                "report": {"rank_by": "val_loss"}}))  # fmt: skip
    for k, name in enumerate(names):
        directory = out / "runs" / name
        directory.mkdir(parents=True)
        meta = {
            "name": name,
            "status": "completed",
            "seconds": 10.0 + k,
            "metrics": {"val_loss": 0.4 + 0.01 * k},
            "diagnoses": [{"name": "not_converged", "severity": "info"}] if k % 3 else [],
        }
        (directory / "run.json").write_text(json.dumps(meta))  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        study = _study(Path(tmp) / "study")
        rows = [
            ("python -c pass", [python, "-c", "pass"]),
            ('python -c "import torch"', [python, "-c", "import torch"]),
            ("trainlab --help", [python, "-m", "trainlab", "--help"]),
            ("trainlab list STUDY", [python, "-m", "trainlab", "list", str(study)]),
        ]
        times = {label: _median_seconds(command, args.repeats) for label, command in rows}
    torch = times['python -c "import torch"']
    bare = times["python -c pass"]
    print(f"median of {args.repeats} fresh interpreters:")
    for label, seconds in times.items():
        print(f"  {label:<26} {seconds:6.3f} s  (+{seconds - bare:.3f} s over python; "
              f"{seconds / torch:.2f} x import torch)")  # fmt: skip
    for label in ("trainlab --help", "trainlab list STUDY"):
        verdict = "met" if times[label] < TARGET_S else "NOT met"
        print(f"{label}: {times[label]:.2f} s; target < {TARGET_S:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
