"""mia-attack on a run folder whose results.json config was edited after the run
(train.lr, model.hidden, a defense added with its name) attacked the run and carried the
edited config into its own record: the figures were reported as those of a config that
never trained these models. The config's fingerprint is now checked against the one
mia-train stamped on the run's first checkpoint, read without torch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.run_fingerprint import config_fingerprint
from mia_defense.tracking.artifacts import checkpoint_fingerprint


def _edit(run: Path, change) -> None:
    path = run / "results.json"
    payload = json.loads(path.read_text())
    change(payload)
    path.write_text(json.dumps(payload))


def test_the_checkpoints_fingerprint_is_read_without_torch(fast_run):
    payload = fast_run.payload
    versions = payload["versions"]
    expected = config_fingerprint(payload["config"], data=payload["data_fingerprint"],
                                  code=versions.get("training_code", versions.get("code")))
    path = fast_run.run_dir / "checkpoints" / "model_0000.pt"
    assert checkpoint_fingerprint(path, limit=2**30) == expected
    assert checkpoint_fingerprint(path, limit=10) is None  # larger than the limit: not read
    assert checkpoint_fingerprint(fast_run.run_dir / "results.json", limit=2**30) is None


@pytest.mark.parametrize("change", [
    lambda p: p["config"]["train"].update(lr=0.5),
    lambda p: p["config"]["model"].update(hidden=[7]),
    lambda p: p.update(seed=7) or p["config"].update(seed=7),
], ids=["train.lr", "model.hidden", "seed"])  # fmt: skip
def test_an_edited_config_is_refused_naming_results_json(fast_run, tmp_path, change):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    _edit(run, change)
    with pytest.raises(DataError, match=r"results.json: its config \(with data_fingerprint and "
                       r"versions.training_code\) is not the one that trained the run's models: "
                       r"checkpoints/model_0000.pt, the file the run wrote, was trained under "
                       r"fingerprint [0-9a-f]{16}"):  # fmt: skip
        read_source(run)


def test_settings_that_train_nothing_differently_pass(fast_run, tmp_path):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    _edit(run, lambda p: p["config"]["train"].update(threads=3, eval_every=2))
    assert read_source(run).results is not None
