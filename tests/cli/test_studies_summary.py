"""The terminal summary of a study: its data, the best with intervals that hold for the
selected ones, unequal noise, and the command that confirms the best on fresh seeds."""

import json

from trainlab.run.rundir import CONFIG_FILE, META_FILE, run_dir


def _study(out, *, synthetic: bool, wild: bool = False):
    """Three configurations x 3 seeds written as finished run directories."""
    losses = {"lr=0.1": [0.50, 0.52, 0.51], "lr=0.01": [0.60, 0.61, 0.59],
              "lr=1": [0.9, 0.3, 1.5] if wild else [0.80, 0.82, 0.81]}  # fmt: skip
    for point, values in losses.items():
        for seed, loss in enumerate(values):
            directory = run_dir(out, f"{point}_seed={seed}")
            directory.mkdir(parents=True)
            (directory / META_FILE).write_text(json.dumps(
                {"name": directory.name, "point": point, "seed": seed, "status": "completed",
                 "varied": {"lr": point[3:]}, "metrics": {"val_loss": loss}}
            ))  # fmt: skip
            data = {"name": "cifar10", "synthetic": synthetic, "split_seed": 0}
            (directory / CONFIG_FILE).write_text(json.dumps({"config": {"data": data}}))
    (out / "study.json").write_text(json.dumps(
        {"name": "s", "axes": {"lr": ["0.1", "0.01", "1"]}, "seeds": [0, 1, 2],
         "report": {"rank_by": "val_loss"}}
    ))  # fmt: skip


def test_generated_data_is_the_summary_s_first_line(tmp_path, run_cli):
    _study(tmp_path, synthetic=True)
    lines = run_cli("report", tmp_path).out.splitlines()
    assert lines[0].startswith("generated stand-in data: These runs trained on generated")
    assert "test the pipeline, not cifar10" in lines[0]


def test_the_summary_gives_intervals_for_the_selected_and_the_confirm_command(tmp_path, run_cli):
    _study(tmp_path, synthetic=False)
    out = run_cli("report", tmp_path).out
    assert "generated stand-in data" not in out
    assert "simultaneous over the 3 configurations" in out
    assert "lr=0.1  (best)" in out and "(ruled out as the best)" in out
    assert f"trainlab confirm {tmp_path} --top 2 --repeats 5" in out


def test_the_summary_names_configurations_with_unequal_noise(tmp_path, run_cli):
    _study(tmp_path, synthetic=False, wild=True)
    out = run_cli("report", tmp_path).out
    assert "unequal seed noise (own variance used): lr=1" in out
