"""h564: mia-attack checks a run folder's observations.npz and checkpoints against the sha256
its results.json records, and its config against the fingerprint on checkpoints/model_0000.pt
(where that checkpoint's digest is recorded). Deleting digests from results.json turned those
checks off without a word: `mia-attack RUN` on a run whose results.json had ``sha256`` removed
(or only the checkpoints' entries) and ``config.train.lr`` edited attacked it and recorded
the figures as those of lr 0.5, a config that never trained these models. Every complete
record (mia-train's and mia-attack's) holds ``sha256`` since before ``versions.training_code``
was written, and names each checkpoint the folder held: such records are refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError


def _edited_copy(fast_run, tmp_path: Path, change) -> Path:
    """A copy of the finished run whose results.json has ``change`` applied and lr 0.5."""
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    path = run / "results.json"
    payload = json.loads(path.read_text())
    change(payload)
    payload["config"]["train"]["lr"] = 0.5
    path.write_text(json.dumps(payload))
    return run


def _drop_checkpoints(payload: dict) -> None:
    for name in [n for n in payload["sha256"] if n.startswith("checkpoints/")]:
        del payload["sha256"][name]


def test_a_record_without_sha256_from_a_writer_that_records_it_is_refused(fast_run, tmp_path):
    run = _edited_copy(fast_run, tmp_path, lambda p: p.pop("sha256"))
    with pytest.raises(DataError, match=r"results.json: sha256 is missing, but "
                       r"versions.training_code says .* deleted after the run"):
        read_source(run)


@pytest.mark.parametrize("change", [
    lambda p: p["sha256"].pop("checkpoints/model_0000.pt"),
    _drop_checkpoints,
], ids=["first checkpoint", "every checkpoint"])  # fmt: skip
def test_a_checkpoint_the_folder_holds_without_its_digest_is_refused(fast_run, tmp_path, change):
    run = _edited_copy(fast_run, tmp_path, change)
    with pytest.raises(DataError, match=r"results.json: sha256 records no digest of "
                       r"checkpoints/model_0000.pt, which the run folder holds"):
        read_source(run)


def test_a_run_whose_checkpoints_were_deleted_is_still_read(fast_run, tmp_path):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    shutil.rmtree(run / "checkpoints")  # (deleted to save space: the README's case)
    assert read_source(run).results is not None


def test_an_older_record_without_sha256_or_training_code_is_still_read(fast_run, tmp_path):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    path = run / "results.json"
    payload = json.loads(path.read_text())
    del payload["sha256"], payload["versions"]["training_code"]
    path.write_text(json.dumps(payload))
    assert read_source(run).results is not None
