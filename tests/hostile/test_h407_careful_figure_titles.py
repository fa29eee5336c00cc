"""TensorBoard's figures of a run mia-report marks "(read with care)" were titled as any
run's: mia-train defense=early_stopping plan.reference_size=300 train.epochs=3
plan.num_models=2 (its defense did not act: results.json's training.defenses_idle) drew its
ROC under "digits: early_stopping", as a defended run's, its score histograms and per-class
heatmap under their usual titles, where a run without a verdict's say so (h227). Each title
now says to read it with care, the caveats being in the summary card."""

from __future__ import annotations

from mia_defense.cli.train import run
from mia_defense.tracking import tensorboard
from tests.conftest import compose_cfg

MARK = "READ WITH CARE (see summary)"


def test_an_idle_defense_s_figures_say_to_read_them_with_care(tmp_path, monkeypatch):
    drawn = {}
    monkeypatch.setattr(tensorboard, "add_figure", lambda _w, tag, fig: drawn.setdefault(tag, fig))
    run(compose_cfg("defense=early_stopping", "plan.reference_size=300", "train.lr=0.001",
                    "attack.bootstrap=0", "figures=true"), tmp_path)  # fmt: skip
    roc = drawn["roc"].axes[0].get_title()
    assert roc.startswith("digits: early_stopping") and MARK in roc
    assert MARK in drawn["scores"].axes[0].get_title(loc="left")
    assert MARK in drawn["per_class"].get_suptitle()
