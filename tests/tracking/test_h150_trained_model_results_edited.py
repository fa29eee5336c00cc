"""load_trained_model on a finished run whose results.json was edited after the run (its
config, num_classes or input_shape) refused the run's own, untouched checkpoint with the
checkpoint's fix: 'delete .../checkpoints to retrain' or 'delete it to retrain that model'.
A finished run is never trained again, so that advice lost the only copy of the model.
The checkpoint is the file the run wrote (its sha256 is the one recorded): the refusal names
results.json as the edited file and says to keep the checkpoint."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from mia_defense.errors import DataError
from mia_defense.tracking.trained_model import load_trained_model


def _edit(run: Path, change) -> None:
    results = json.loads((run / "results.json").read_text())
    change(results)
    (run / "results.json").write_text(json.dumps(results))


@pytest.mark.parametrize("change", [
    lambda r: r["config"]["model"].update(hidden=[7]),  # another config: fingerprint differs
    lambda r: r.update(num_classes=5),  # the model built does not fit the weights
], ids=["config", "num_classes"])  # fmt: skip
def test_an_edited_results_json_is_named_and_the_checkpoint_kept(fast_run, tmp_path, change):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    checkpoint = run / "checkpoints" / "model_0001.pt"
    digest = hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    _edit(run, change)
    with pytest.raises(DataError) as caught:
        load_trained_model(run, 1)
    message = str(caught.value)
    assert message.startswith(f"{run / 'results.json'}: does not describe the model of "
                              f"{checkpoint}, which is the file the run wrote")
    assert "results.json was edited after the run" in message
    assert "put the run's own results.json back, and keep the checkpoint" in message
    assert hashlib.sha256(checkpoint.read_bytes()).hexdigest() == digest


def test_a_replaced_checkpoint_of_a_finished_run_is_not_to_be_deleted(fast_run, tmp_path):
    # not the file the run wrote: its own refusal ('delete .../checkpoints to retrain'),
    # after the fix a finished run needs (deleting it retrains nothing)
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    folder = run / "checkpoints"
    shutil.copyfile(folder / "model_0000.pt", folder / "model_0001.pt")
    with pytest.raises(DataError) as caught:
        load_trained_model(run, 1)
    message = str(caught.value)
    assert message.startswith(f"{folder / 'model_0001.pt'}: not the file this finished run "
                              "wrote (its sha256 differs from results.json's sha256[")
    assert "put the run's own files back. Deleting it retrains nothing" in message
    assert "holds model 0, not model 1" in message.split("The refusal: ", 1)[1]
    # a run not finished: its own refusal alone (deleting does retrain it there)
    _edit_json(run, lambda r: r.update(status="interrupted"))
    with pytest.raises(DataError, match=r"^checkpoint .*model_0001.pt holds model 0, not model 1"):
        load_trained_model(run, 1)


def test_a_mia_attack_folder_is_named_as_one_with_the_run_to_load_from(attacked_run):
    # it holds the attacked run's config and no checkpoints: 'no checkpoint of model 1 ...
    # it was deleted or moved: put it back, or train the run again', of a folder where no
    # model was ever trained
    with pytest.raises(DataError, match=r"results.json: mia-attack's record of an attack on "
                       r".*o.npz \(results.json holds its 'source'\): no model was trained in "
                       r"that folder; load the model from the mia-train run that trained it$"):
        load_trained_model(attacked_run, 1)
    _edit_json(attacked_run, lambda r: r["source"].update(kind="run_directory", path="/runs/a"))
    with pytest.raises(DataError, match=r"trained it \(load_trained_model\('/runs/a', 1\)\)$"):
        load_trained_model(attacked_run, 1)


def _edit_json(run: Path, change) -> None:
    results = json.loads((run / "results.json").read_text())
    change(results)
    (run / "results.json").write_text(json.dumps(results))


def test_undefended_shadows_of_an_undefended_run_are_its_targets(fast_run, tmp_path):
    # such a run trains no second ensemble (its undefended shadows are its targets), and was
    # told 'they are written with attack.shadow_recipe=undefended: ... train a run with that
    # setting', the setting it had
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    with pytest.raises(DataError, match=r"this run trained no undefended shadow models"):
        load_trained_model(run, 1, undefended=True)  # (shadow_recipe=same)
    _edit_json(run, lambda r: r["config"]["attack"].update(shadow_recipe="undefended"))
    assert not _defense(run)
    with pytest.raises(DataError, match=r"checkpoints_undefended: this run of "
                       r"attack.shadow_recipe=undefended has no training-time defense \(config."
                       r"defense is empty\), so its undefended shadow models are its target "
                       r"models, which it trained once: load model 1 with undefended=False$"):
        load_trained_model(run, 1, undefended=True)
    assert load_trained_model(run, 1) is not None


def _defense(run: Path):
    return json.loads((run / "results.json").read_text())["config"].get("defense")
