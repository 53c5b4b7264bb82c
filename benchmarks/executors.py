"""The same study grid on the local executor and on Ray: wall time and ratio.

A grid of 16 runs x 100 batches (MLP 784-64-10 on generated Fashion-MNIST-format
data, dashboards on, no movies) runs with ``LocalExecutor(jobs)`` and with
``RayExecutor(num_cpus=jobs)``, each into a fresh directory, ``--repeats`` times in
interleaved order. Ray's total includes starting and stopping its local instance;
that start-up (``ray.init`` to a first task's answer, plus ``ray.shutdown``) is
also measured apart. Medians are printed with the ratios measured in the same run.

    python benchmarks/executors.py [--repeats 3] [--jobs 2] [--steps 100]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from trainlab.data.synthetic import write_synthetic
from trainlab.report import write_report
from trainlab.study import LocalExecutor
from trainlab.study.ray_executor import RayExecutor, import_ray
from trainlab.study.runner import run_study
from trainlab.study.spec import load_spec

SPEC = """
name = "executors-bench"
[data]
name = "fashion-mnist"
root = "{root}"
val_size = 500
[model.mlp]
hidden = [64]
[train]
epochs = 1000  # max_steps ends every run
max_steps = {steps}
[monitor]
val_size = 128
[output]
movie = false
[grid]
"optim.lr" = [0.03, 0.01, 0.003, 0.001]
"model.mlp.dropout" = [0.0, 0.1, 0.3, 0.5]
"""


def ray_startup(jobs: int) -> float:
    """Seconds to start a local Ray instance, answer one task, and shut it down."""
    ray = import_ray()
    tic = time.perf_counter()
    ray.init(
        address="local",
        num_cpus=jobs,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
    )
    ray.get(ray.remote(lambda: None).remote())
    ray.shutdown()
    return time.perf_counter() - tic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="local processes = Ray CPUs")
    parser.add_argument("--steps", type=int, default=100, help="batches per run")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="trainlab-bench-"))
    root = write_synthetic("fashion-mnist", work / "data", n_train=4_000, n_test=500)
    spec_path = work / "grid.toml"
    spec_path.write_text(SPEC.format(root=root, steps=args.steps))
    study = load_spec(spec_path)
    executors = {
        "local": lambda: LocalExecutor(args.jobs),
        "ray": lambda: RayExecutor(num_cpus=args.jobs),
    }
    times: dict[str, list[float]] = {"local": [], "ray": [], "ray start-up": []}
    try:
        for repeat in range(args.repeats):
            for name, make in executors.items():
                out = work / f"{name}-{repeat}"
                tic = time.perf_counter()
                run_study(study, out, executor=make(), progress=False)
                table = write_report(out).table
                times[name].append(time.perf_counter() - tic)
                assert set(table["status"]) == {"completed"}, table[["run", "status"]]
                shutil.rmtree(out)
            times["ray start-up"].append(ray_startup(args.jobs))
            print(f"repeat {repeat}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{len(study.runs)} runs x {args.steps} batches, jobs = Ray CPUs = {args.jobs}, "
          f"median of {args.repeats}:")  # fmt: skip
    print(f"  local executor          {med['local']:7.1f} s")
    print(f"  Ray executor (total)    {med['ray']:7.1f} s")
    print(f"  Ray start-up + shutdown {med['ray start-up']:7.1f} s")
    print(f"  ratio Ray / local                 {med['ray'] / med['local']:.2f}x")
    warm = med["ray"] - med["ray start-up"]
    print(f"  ratio Ray without start-up / local {warm / med['local']:.2f}x")
    print(f"  per run: local {med['local'] / len(study.runs):.2f} s, "
          f"Ray {med['ray'] / len(study.runs):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
