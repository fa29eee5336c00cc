"""Hostile inputs to what a run stores and mia-attack reads back, ninth round: files of a
finished run replaced or edited after it was written (observations.npz, checkpoints,
results.json's record of them)."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.files import load_npz
from mia_defense.tracking.artifacts import file_sha256
from mia_defense.tracking.trained_model import load_trained_model
from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations
from tests.report.fake_runs import older_record


@pytest.fixture
def run(fast_run, tmp_path: Path) -> Path:
    """A copy of the tiny finished run (observations, checkpoints, results.json)."""
    return Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))


def _edit_results(run: Path, edit) -> None:
    payload = json.loads((run / "results.json").read_text())
    edit(payload)
    (run / "results.json").write_text(json.dumps(payload))


def _temper(run: Path) -> None:
    """observations.npz's log-probabilities flattened (softmax at temperature 3): every
    prediction, so the members' accuracy, stays; every confidence, so every figure, moves."""
    arrays = load_npz(run / "observations.npz")
    flat = arrays["log_probs"].astype(np.float64) / 3
    flat -= np.log(np.exp(flat).sum(axis=-1, keepdims=True))
    np.savez(run / "observations.npz", **{**arrays, "log_probs": flat.astype(np.float32)})


# -- 1. results.json records the sha256 of the files its readers take back ------------------


def test_results_json_records_the_sha256_of_observations_and_checkpoints(fast_run):
    record = fast_run.payload["sha256"]
    checkpoints = sorted(p.name for p in (fast_run.run_dir / "checkpoints").glob("*.pt"))
    assert checkpoints and set(record) == {"observations.npz",
                                           *(f"checkpoints/{n}" for n in checkpoints)}
    for name, digest in record.items():
        assert file_sha256(fast_run.run_dir / name) == digest, name


# -- 2. observations.npz replaced by one of the same shapes and accuracy ---------------------


def test_observations_edited_keeping_every_prediction_are_refused(run):
    # shapes, canaries and the members' accuracy all held: mia-attack recorded the verdict
    # on the edited outputs as this run's
    _temper(run)
    with pytest.raises(DataError, match=r"run/observations.npz: its sha256 differs from the "
                       r"one results.json records.*they are not this run's.*mia-attack "):
        read_source(run)


def test_results_json_edited_is_blamed_not_the_observations(run):
    # a train_accuracy changed by hand (its gap with it): the observations, which are the
    # run's own, were named as replaced
    def halve(payload: dict) -> None:
        utility = payload["utility"]
        utility["train_accuracy"] /= 2
        utility["generalization_gap"] = utility["train_accuracy"] - utility["test_accuracy"]

    _edit_results(run, halve)
    with pytest.raises(DataError, match=r"run/results.json: the members' accuracy .* yet "
                       r"observations.npz is the file the run wrote .*results.json was edited"):
        read_source(run)


@pytest.mark.parametrize(("record", "said"), [
    ([1, 2], "sha256 is list"),
    ({}, "sha256 holds no digest of observations.npz"),
    ({"observations.npz": "abc"}, r"sha256\['observations.npz'\] is 'abc', not a sha256"),
])  # fmt: skip
def test_a_malformed_sha256_record_is_refused_naming_it(run, record, said):
    _edit_results(run, lambda r: r.update(sha256=record))
    with pytest.raises(DataError, match=rf"run/results.json: {said}.*put the run's own"):
        read_source(run)


@pytest.mark.slow  # 1-5 s: a whole mia-attack run
def test_a_run_without_sha256_is_attacked_with_a_warning(run, tmp_path):
    # runs written before results.json recorded it keep working; the log says what the
    # check of the file was (such a run wrote no versions.training_code either: with it, the
    # digests were deleted, which is refused, tests/hostile/test_h564_attack_digests_deleted)
    _edit_results(run, older_record)
    done = mia_attack(str(run), *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[WARNING]" in done.stderr and "records no sha256 of observations.npz" in done.stderr
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["sha256"]["observations.npz"] == file_sha256(tmp_path / "out" /
                                                                "observations.npz")


# -- 3. checkpoints edited after the run -------------------------------------------------------


def test_a_checkpoint_edited_and_saved_again_is_refused(run):
    # its fingerprint and model index kept: the edited weights were given back as the
    # model of row 0 of the run's observations
    path = run / "checkpoints" / "model_0000.pt"
    payload = torch.load(path, weights_only=True)
    for value in payload["state_dict"].values():
        value.mul_(2)
    torch.save(payload, path)
    with pytest.raises(DataError, match=r"model_0000.pt: not the checkpoint this run wrote.*"
                       r"sha256\['checkpoints/model_0000.pt'\].*put the run's own file back"):
        load_trained_model(run, 0)


def test_checkpoints_of_a_run_without_sha256_load_with_a_warning(run, caplog):
    _edit_results(run, lambda r: r.pop("sha256"))
    with caplog.at_level(logging.WARNING):
        load_trained_model(run, 1)
    assert "records no sha256 of checkpoints/model_0001.pt" in caplog.text


# -- 4. results.json's figures changed by hand ----------------------------------------------


def test_a_test_accuracy_changed_by_hand_is_refused(run):
    # mia-attack carries the run's utility into its record (mia-report ranks by it): a test
    # accuracy raised by hand was recorded as the run's
    _edit_results(run, lambda r: r["utility"].update(test_accuracy=0.99))
    with pytest.raises(DataError, match=r"run/results.json: utility.generalization_gap is .*, "
                       r"but train_accuracy - test_accuracy is .* - 0.99: a figure was changed"):
        read_source(run)


# -- 5. degenerate observations: one non-member -------------------------------------------


def test_the_resolution_of_one_non_member_reads_as_a_percentage(caplog):
    # one non-member score: "about FPR 1e+02% on fresh data"
    from mia_defense.attacks.runner import _warn_unresolved_fprs

    with caplog.at_level(logging.WARNING):
        _warn_unresolved_fprs(1, [0.001, 0.01])
    assert "about FPR 100% on fresh data" in caplog.text


# -- 6. output folders -------------------------------------------------------------------------


@pytest.mark.slow  # 1-5 s: a sweep of two mia-attack runs
def test_a_sweep_whose_jobs_share_one_folder_names_the_subdir(tmp_path):
    # hydra.sweep.subdir=one put both jobs into one folder: the second was refused naming
    # hydra.run.dir, which the command never set
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    done = mia_attack("-m", "o.npz", *LEAN_ATTACKS, "attack.num_targets=1,2",
                      "hydra.sweep.dir=sw", "hydra.sweep.subdir=one", cwd=tmp_path)
    assert done.returncode == 2
    assert "ConfigError: hydra.sweep.subdir=" in done.stdout + done.stderr
    assert "choose another hydra.sweep.subdir" in done.stdout + done.stderr
    assert "hydra.run.dir" not in done.stdout + done.stderr


def test_a_deleted_checkpoint_of_a_finished_run_gives_advice_that_works(run):
    # "run mia-train with the same config and directory to train that model again": that
    # command skips a finished run (or refuses it, made by other code), the file stays lost
    (run / "checkpoints" / "model_0001.pt").unlink()
    with pytest.raises(DataError, match=r"model_0001.pt: no checkpoint of model 1 \(the run's "
                       r"status: complete\); it was deleted or moved: put it back, or train "
                       r"the run again in a new directory .*hydra.run.dir"):
        load_trained_model(run, 1)


# -- 8. an observations file holding two arrays of one name ---------------------------------


def test_an_archive_with_two_members_of_one_name_is_refused(tmp_path):
    # a second log_probs.npy appended to the zip: numpy read the last, a zip tool (or a
    # reviewer's reader) the first: the file attacked was not the file inspected
    import io
    import warnings
    import zipfile

    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    other = synthetic_observations(num_models=4, num_samples=40, num_classes=3, seed=5)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, other.log_probs)
    with warnings.catch_warnings(), zipfile.ZipFile(tmp_path / "o.npz", "a") as archive:
        warnings.simplefilter("ignore")  # zipfile's "Duplicate name"
        archive.writestr("log_probs.npy", buffer.getvalue())
    with pytest.raises(DataError, match=r"o.npz: holds two arrays named 'log_probs'.*write the "
                                        r"file again with np.savez"):
        read_source(tmp_path / "o.npz")
