"""A run of attack.shadow_recipe=undefended keeps two ensembles trained under one config:
the target models (checkpoints/) and the undefended shadow models
(checkpoints_undefended/). Both carried the run's one fingerprint, so the folders copied
over each other (or a file of one put into the other) resumed the defended targets as the
naive attacker's undefended shadows, or the reverse, without a word. Each ensemble's
checkpoints now carry their own fingerprint, and a model of the other is named as such."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import DataError
from mia_defense.run_fingerprint import stage_fingerprint
from mia_defense.tracking.trained_model import load_trained_model
from mia_defense.training.checkpoints import checkpoint_path, load_checkpoint, save_state
from tests.conftest import compose_cfg
from tests.helpers import FAST, built_once

NAIVE = [*FAST, "defense=weight_decay", "attack.shadow_recipe=undefended"]


def _finished(folder: Path) -> Path:
    run(compose_cfg(*NAIVE), folder / "run")
    return folder / "run"


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """The finished run, trained once for the session (read only: tests copy it)."""
    return built_once(tmp_path_factory, "h163_naive", _finished)


def _interrupted_copy(finished, tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    shutil.copytree(finished, run_dir)
    results = run_dir / "results.json"
    payload = json.loads(results.read_text())
    payload["status"] = "interrupted"  # killed: the next launch resumes it
    results.write_text(json.dumps(payload))
    return run_dir


def _copy(run_dir: Path, source: str, target: str, index: int) -> None:
    shutil.copyfile(checkpoint_path(run_dir / source, index),
                    checkpoint_path(run_dir / target, index))  # fmt: skip


def test_the_two_ensembles_carry_their_own_fingerprints(finished):
    run_dir = finished
    targets = load_checkpoint(checkpoint_path(run_dir / "checkpoints", 0))["fingerprint"]
    shadows = load_checkpoint(checkpoint_path(run_dir / "checkpoints_undefended", 0))
    assert shadows["fingerprint"] == stage_fingerprint(targets, "undefended") != targets


def test_the_targets_copied_over_the_shadows_are_refused_before_training(finished, tmp_path):
    run_dir = _interrupted_copy(finished, tmp_path)
    for k in range(4):
        _copy(run_dir, "checkpoints", "checkpoints_undefended", k)
    before = checkpoint_path(run_dir / "checkpoints", 0).stat().st_mtime_ns
    with pytest.raises(DataError, match=r"checkpoints_undefended/model_0000\.pt holds one of this "
                       r"run's target models, not of its undefended shadow models.*renamed "
                       r"or copied over each other"):
        run(compose_cfg(*NAIVE), run_dir)
    assert checkpoint_path(run_dir / "checkpoints", 0).stat().st_mtime_ns == before


@pytest.mark.parametrize(("source", "target", "index", "what"), [
    ("checkpoints", "checkpoints_undefended", 2, "target models"),
    ("checkpoints_undefended", "checkpoints", 3, "undefended shadow models"),
])
def test_a_later_model_of_the_other_ensemble_is_named_when_it_is_loaded(
    finished, tmp_path, source, target, index, what
):
    run_dir = _interrupted_copy(finished, tmp_path)
    _copy(run_dir, source, target, index)
    with pytest.raises(DataError, match=rf"{target}/model_000{index}\.pt holds one of this "
                       rf"run's {what}"):
        run(compose_cfg(*NAIVE), run_dir)


def test_the_undefended_shadows_of_a_run_load(finished):
    assert load_trained_model(finished, 1, undefended=True) is not None


def test_shadows_of_a_run_from_before_carry_the_runs_fingerprint_and_still_load(
    finished, tmp_path
):
    run_dir = _interrupted_copy(finished, tmp_path)  # (status aside, a finished run)
    results = json.loads((run_dir / "results.json").read_text())
    path = checkpoint_path(run_dir / "checkpoints_undefended", 1)
    plain = load_checkpoint(checkpoint_path(run_dir / "checkpoints", 0))["fingerprint"]
    old = load_checkpoint(path)
    save_state(path, old["state_dict"], old["history"], fingerprint=plain)  # as they were

    results["status"] = "complete"
    results["sha256"]["checkpoints_undefended/model_0001.pt"] = hashlib.sha256(
        path.read_bytes()).hexdigest()
    (run_dir / "results.json").write_text(json.dumps(results))
    assert load_trained_model(run_dir, 1, undefended=True) is not None


def test_a_target_model_copied_over_a_finished_runs_shadow_is_not_loaded_as_it(
    finished, tmp_path
):
    run_dir = _interrupted_copy(finished, tmp_path)
    results = json.loads((run_dir / "results.json").read_text())
    results["status"] = "complete"
    (run_dir / "results.json").write_text(json.dumps(results))
    _copy(run_dir, "checkpoints", "checkpoints_undefended", 1)
    with pytest.raises(DataError, match="not the"):
        load_trained_model(run_dir, 1, undefended=True)


@pytest.mark.parametrize("linked", ["checkpoints_undefended", "checkpoints"])
def test_one_folder_linked_as_both_is_refused_before_training(finished, tmp_path, linked):
    run_dir = _interrupted_copy(finished, tmp_path)
    other = "checkpoints" if linked == "checkpoints_undefended" else "checkpoints_undefended"
    shutil.rmtree(run_dir / linked)
    (run_dir / linked).symlink_to(other)  # saved once: both ensembles' models in one folder
    with pytest.raises(DataError, match=r"checkpoints_undefended and \S+/checkpoints are one "
                       rf"folder \(a link\).*nothing was trained\. Remove the link \(rm "
                       rf"\S+/{linked}\)"):
        run(compose_cfg(*NAIVE), run_dir)


def test_after_another_refusal_only_the_file_it_names_is_said_to_be_the_other_ensembles(
    finished, tmp_path
):
    from mia_defense.pipeline.train import _refuse_other_ensembles

    run_dir = _interrupted_copy(finished, tmp_path)
    _copy(run_dir, "checkpoints", "checkpoints_undefended", 2)
    folder = run_dir / "checkpoints_undefended"
    plain = load_checkpoint(checkpoint_path(run_dir / "checkpoints", 0))["fingerprint"]
    # a disk-full error, say: its own message stands
    _refuse_other_ensembles(folder, plain, refused=f"{folder / 'model_0003.pt'}: no space")
    with pytest.raises(DataError, match=r"model_0002\.pt holds one of this run's target"):
        _refuse_other_ensembles(folder, plain, refused=f"checkpoints in {folder} were trained "
                                "with a different config (fingerprint x in model_0002.pt, y)")
