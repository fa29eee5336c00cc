"""mia-report ranked a run whose results.json config was edited after the run
(``config.train.lr``, ``config.model.hidden``, a defense added with its name): its figures were
shown under a config that never trained those models. The config's fingerprint is now
checked against the one mia-train stamped on the run's first checkpoint (read without
torch, as mia-attack reads it), and such a run is skipped naming results.json and the fix."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mia_defense.report import load_runs
from mia_defense.tracking.artifacts import config_mismatch
from tests.report.fake_runs import older_record, rewrite_results


def _add_dropout(payload):
    payload["config"]["defense"] = {
        "dropout": {"_target_": "mia_defense.defenses.Dropout", "p": 0.5}
    }
    payload["defense"]["defense"] = "dropout"


@pytest.mark.parametrize("change", [
    lambda p: p["config"]["train"].update(lr=0.5),
    lambda p: p["config"]["model"].update(hidden=[7]),
    _add_dropout,
], ids=["train.lr", "model.hidden", "defense"])  # fmt: skip
def test_a_run_whose_config_was_edited_is_skipped(fast_run, tmp_path, change):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    assert [r.name for r in load_runs([run]).runs] == ["run"]  # as the run wrote it: ranked
    rewrite_results(run, change)
    loaded = load_runs([run])
    assert loaded.runs == [] and loaded.unranked == []
    reason = dict(loaded.skipped)[run]
    assert reason.startswith(
        "results.json's config (with data_fingerprint and versions.training_code) is not the "
        "one that trained the run's models: checkpoints/model_0000.pt, the file the run wrote, "
        "was trained under fingerprint "
    )
    assert reason.endswith("put the run's own results.json back, or rerun the run")


def test_settings_that_train_nothing_differently_stay_ranked(fast_run, tmp_path):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    rewrite_results(run, lambda p: p["config"]["train"].update(threads=3, eval_every=2))
    assert [r.name for r in load_runs([run]).runs] == ["run"]


@pytest.mark.parametrize("strip", ["checkpoints", "sha256"])
def test_runs_the_check_cannot_read_are_ranked_as_before(fast_run, tmp_path, strip):
    """A folder without its checkpoints (deleted to save space) or a results.json that
    records no sha256 of them (an older run) is not checked: nothing to compare with."""
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    if strip == "checkpoints":
        shutil.rmtree(run / "checkpoints")
    else:
        rewrite_results(run, older_record)
    rewrite_results(run, lambda p: p["config"]["train"].update(lr=0.5))
    assert [r.name for r in load_runs([run]).runs] == ["run"]


def test_the_check_reads_only_the_first_checkpoint_and_no_torch(fast_run, tmp_path):
    """The fingerprint comes from model_0000.pt alone (a report may read thousands of runs),
    and the report's reading of a run imports no torch."""
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    payload = rewrite_results(run, lambda p: p["config"]["train"].update(lr=0.5))
    found, expected = config_mismatch(run, payload)
    assert found != expected and len(found) == len(expected) == 16
    for other in sorted((run / "checkpoints").glob("model_*.pt"))[1:]:
        other.write_bytes(b"not read")
    assert config_mismatch(run, payload) == (found, expected)
    code = ("import sys; from mia_defense.report import load_runs; "
            f"loaded = load_runs([{str(run)!r}]); "
            "print(len(loaded.skipped), 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "False"]
