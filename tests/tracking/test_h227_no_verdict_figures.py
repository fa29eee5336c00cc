"""The figures of a run without a privacy verdict say so.

Measured (h227, digits, K=4, 3 epochs): in a sweep, ``train.lr=1e6`` ended at chance
("accuracy not above chance (the model learned nothing)") and HParams left its attack
columns blank, but TensorBoard's Images tab showed its ROC curves on the diagonal under the
title "digits: none", as a private run's, and its score histograms and per-class heatmaps
under their usual titles: nothing in the three figures said that they judge nothing.
"""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.tracking import tensorboard
from mia_defense.tracking.hparams import NO_VERDICT
from mia_defense.training.loop import EpochRecord, ModelHistory


def _titles(tmp_path, monkeypatch, hparams):
    """The title of each figure `log_run` writes, by tag."""
    drawn = {}
    monkeypatch.setattr(tensorboard, "add_figure", lambda _w, tag, fig: drawn.setdefault(tag, fig))
    rng = np.random.default_rng(0)
    masks = rng.random((2, 60)) < 0.5
    attacks = {"loss": evaluate("loss", rng.normal(size=(2, 60)), masks, targets=np.arange(2),
                                config=EvaluationConfig(fprs=(0.01,), bootstrap=0))}  # fmt: skip
    slices = {"loss": {"class_0": {"auc": 0.5, "tpr@1%fpr": 0.0}}}
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.2, 0.8)], epoch_stats=[])
    tensorboard.log_run(tmp_path / "tb", histories=[history], attacks=attacks,
                        scalars={"utility/test_accuracy": 0.1}, hparams=hparams,
                        title="digits: none", masks=masks, slices=slices)  # fmt: skip
    return {
        "roc": drawn["roc"].axes[0].get_title(),
        "scores": drawn["scores"].axes[0].get_title(loc="left"),
        "per_class": drawn["per_class"].get_suptitle(),
    }


def test_a_run_without_a_verdict_has_it_in_every_figure_title(tmp_path, monkeypatch):
    hparams = {"defense": "none", NO_VERDICT: "accuracy not above chance"}
    titles = _titles(tmp_path, monkeypatch, hparams)
    assert titles["roc"].startswith("digits: none")
    for tag, text in titles.items():
        assert tensorboard.NO_VERDICT_TITLE in text, tag


def test_a_run_with_a_verdict_keeps_its_titles(tmp_path, monkeypatch):
    titles = _titles(tmp_path, monkeypatch, {"defense": "none"})
    assert titles == {"roc": "digits: none", "scores": "attack scores: members vs non-members",
                      "per_class": "per-class attack success"}
