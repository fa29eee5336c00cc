"""A built-in defense idle at its setting (``defense.dropout.p=0``: `inactive_setting`) and
a release that let the outputs out unchanged (`release_idle`) are idle in every model: mia-train
writes their training.defenses_idle entry with ``idle_models`` = ``models`` = the run's
``num_models`` and a reason that names no count, so mia-report had nothing to check a count
against. Such a count edited to 2 of 4 was read as written: the run was ranked and marked
'did not act in 2 of 4 models', a defense that acted in the others. mia-report now skips it
in the words of the other edited counts; a count edited out of range was, and still is."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mia_defense.defenses import RoundingRelease
from mia_defense.defenses.regularization import Dropout
from mia_defense.defenses.release import release_idle
from mia_defense.pipeline import train
from mia_defense.report.checks.notes import idle_counts
from mia_defense.report.runs import load_runs
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import RESULTS
from tests.report.fake_runs import make_run, rewrite_results

_EDITED = "the file was edited; rerun the run"


def _dropout_entry() -> dict:
    """training.defenses_idle's entry of dropout at p=0 over 4 models, as mia-train writes it."""
    experiment = SimpleNamespace(build_defenses=lambda: [Dropout(p=0.0)],
                                 train=SimpleNamespace(epochs=3))  # fmt: skip
    ensemble = SimpleNamespace(histories=[SimpleNamespace(stats={}) for _ in range(4)])
    (entry,) = train.idle_defenses(experiment, ensemble)
    return entry


def _dropout_run(tmp_path, edit: dict | None = None):
    """A run of 4 models of mia-defense's dropout at p=0, its entry changed by ``edit``."""
    entry = _dropout_entry() | (edit or {})
    run_dir = tmp_path / "runs" / "dropout"
    make_run(run_dir, test_accuracy=0.85, signal=0.1, defense="dropout",
             config={"defense.dropout._target_": "mia_defense.defenses.Dropout"})  # fmt: skip
    rewrite_results(run_dir, lambda p: p.setdefault("training", {}).update(
        defenses_idle=[entry]))
    return run_dir


def _release_run(tmp_path, edit: dict | None = None):
    """A run of 4 models released by rounding to 20 decimals (the full outputs), its entry
    changed by ``edit``."""
    (entry,) = release_idle(RoundingRelease(decimals=20), num_classes=10, models=4)
    run_dir = tmp_path / "runs" / "rounding"
    make_run(run_dir, test_accuracy=0.85, signal=0.1, release="rounding")
    rewrite_results(run_dir, lambda p: p.setdefault("training", {}).update(
        defenses_idle=[entry | (edit or {})]))
    return run_dir


def _skipped(tmp_path, run_dir) -> str:
    loaded = load_runs([tmp_path / "runs"])
    assert not loaded.runs
    ((where, reason),) = loaded.skipped
    assert where == run_dir
    return reason


def test_mia_train_writes_a_setting_idle_in_every_model():
    entry = _dropout_entry()
    assert entry["reason"].startswith("defense.dropout.p=0: ")
    assert (entry["idle_models"], entry["models"]) == (4, 4)


@pytest.mark.parametrize("write", [_dropout_run, _release_run])
def test_a_genuine_run_is_read_idle_in_every_model(tmp_path, write):
    run_dir = write(tmp_path)
    assert idle_counts(read_json(run_dir / RESULTS)) == ((4, 4),)
    loaded = load_runs([tmp_path / "runs"])
    assert not loaded.skipped and len(loaded.runs) == 1


@pytest.mark.parametrize("idle", [1, 2, 3])
def test_a_setting_idle_count_edited_to_some_models_skips_the_run(tmp_path, idle):
    run_dir = _dropout_run(tmp_path, {"idle_models": idle})
    assert _skipped(tmp_path, run_dir) == (
        f"training.defenses_idle's entry for 'dropout' counts idle_models={idle} of models=4, "
        "but its reason names no count, which mia-defense's own defenses write only of one "
        f"idle in every model (4 of 4): {_EDITED}")


@pytest.mark.parametrize("idle", [1, 2, 3])
def test_a_release_count_edited_to_some_models_skips_the_run(tmp_path, idle):
    run_dir = _release_run(tmp_path, {"idle_models": idle})
    assert _skipped(tmp_path, run_dir) == (
        f"training.defenses_idle's entry for 'release=rounding' counts idle_models={idle} of "
        "models=4, but a release lets out every model's outputs alike: mia-train writes it "
        f"idle in every model (4 of 4): {_EDITED}")


@pytest.mark.parametrize(("edit", "says"), [
    ({"idle_models": 5}, "counts idle_models=5 of models=4, not whole numbers"),
    ({"idle_models": -1}, "counts idle_models=-1 of models=4, not whole numbers"),
    ({"idle_models": 4.0}, "counts idle_models=4.0 of models=4, not whole numbers"),
    ({"idle_models": "4"}, "counts idle_models='4' of models=4, not whole numbers"),
    ({"models": 0}, "counts idle_models=4 of models=0, not whole numbers"),
    ({"idle_models": 0, "models": 0}, "counts idle_models=0 of models=0, not whole numbers"),
    ({"idle_models": 2, "models": 2}, "counts models=2, but the run trained num_models=4"),
])  # fmt: skip
@pytest.mark.parametrize("write", [_dropout_run, _release_run])
def test_a_count_edited_out_of_range_skips_the_run(tmp_path, write, edit, says):
    run_dir = write(tmp_path, edit)
    name = "dropout" if write is _dropout_run else "release=rounding"
    reason = _skipped(tmp_path, run_dir)
    assert reason.startswith(f"training.defenses_idle's entry for {name!r} {says}")
    assert reason.endswith(_EDITED)
