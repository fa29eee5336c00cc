"""A run whose training blew up or whose models are at chance, with the fields that say so
deleted from its results.json (by hand, or a file of an older mia-train that wrote none of
them), was ranked as a private model. Measured on real runs (train.lr=1e4, 2 epochs,
plan.num_models=4: loss 3.7e5, test accuracy 0.118 against chance 0.112, 2 of its 4 models
at chance): with ``privacy.no_verdict_reason``, the flag and ``utility.chance_accuracy``
deleted, or the flag, ``test_accuracy_median`` and ``train_loss`` (or ``epochs_trained``),
or ``num_classes`` and the median, the report ranked it. It now refuses to rank a run that
lacks a field its validity is judged by, naming the field; a run whose figures tell it
learned keeps its place."""

from __future__ import annotations

import pytest

from mia_defense.report import write_report
from mia_defense.report.checks import rank_problem
from tests.report.fake_runs import make_run, not_ranked_reasons, rewrite_results


def _blown(payload):
    # (as test_h194's: train.lr=1e6, the loss blown up, accuracy barely above chance)
    payload["utility"].update(train_loss=4.76e15, test_loss=5e15, epochs_trained=1.0,
                              test_accuracy=0.159, chance_accuracy=0.106)  # fmt: skip
    payload["num_classes"] = 10


def _drop(*names):
    def change(payload):
        _blown(payload)
        for name in names:
            section, _, key = name.rpartition(".")
            (payload[section] if section else payload).pop(key)

    return change


def _null(name):
    def change(payload):
        _blown(payload)
        payload["utility"][name] = None

    return change


@pytest.mark.parametrize(("change", "reason"), [
    (_drop("utility.chance_accuracy"), "no privacy verdict: training blew up, its loss finite"),
    (_drop("utility.train_loss"),
     "cannot tell it is a valid run: utility.train_loss is missing in results.json"),
    (_null("epochs_trained"),
     "cannot tell it is a valid run: utility.epochs_trained is None in results.json"),
    (_drop("num_classes"), "cannot tell it is a valid run: num_classes is missing in"),
    (_drop("utility.test_accuracy_median", "utility.train_loss"),
     "cannot tell it is a valid run: utility.test_accuracy_median is missing, "
     "utility.train_loss is missing in results.json (deleted, or written by an older "
     "mia-defense or a tool of your own)"),
])  # fmt: skip
def test_a_blown_up_run_with_its_fields_deleted_is_not_ranked(tmp_path, change, reason):
    root = tmp_path / "sweep"
    make_run(root / "learned", test_accuracy=0.80, signal=3.0)
    make_run(root / "blown", test_accuracy=0.159, signal=0.0, seed=1)
    payload = rewrite_results(root / "blown", change)
    assert payload["utility_below_chance"] is False
    assert "no_verdict_reason" not in payload["privacy"]
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [r.name for g in report.groups for r in g.runs] == ["learned"]
    said = not_ranked_reasons(tmp_path / "out")["blown"]
    assert said.startswith(reason), said


def test_a_learned_run_without_its_training_figures_keeps_its_place(tmp_path):
    # 0.5 against chance 0.1 is far from a blown-up training's few points above chance:
    # its loss, epochs and class count decide nothing, so their absence refuses nothing
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.50, signal=3.0)
    payload = rewrite_results(run, lambda p: (
        p.pop("num_classes"), p["utility"].pop("train_loss"), p["utility"].pop("epochs_trained")))
    assert rank_problem(payload) is None
    # without its median model's accuracy, nothing tells that model above chance: half its
    # models at chance and half at 0.9 average 0.5 (above (1 + chance) / 2 none could)
    del payload["utility"]["test_accuracy_median"]
    assert rank_problem(payload).startswith(
        "cannot tell it is a valid run: utility.test_accuracy_median is missing")
    payload["utility"].update(test_accuracy=0.56, train_accuracy=0.66)
    assert rank_problem(payload) is None


def test_observations_without_training_need_no_training_figures(tmp_path):
    # mia-attack of observations records no training (epochs_trained null): only the chance
    # and median figures are asked of it
    payload = make_run(tmp_path / "run", test_accuracy=0.159, signal=0.0)
    _blown(payload)
    payload["source"] = {"kind": "observations", "path": "observations.npz"}
    payload["utility"].update(epochs_trained=None)
    assert rank_problem(payload) is None
    del payload["utility"]["chance_accuracy"]
    assert rank_problem(payload).startswith(
        "cannot tell it is a valid run: utility.chance_accuracy is missing")
