"""A run whose defense did not act (results.json's training.defenses_idle, 5860c793,
32c7547b) as an Optuna search over the defense's setting reads it.

An Optuna search over a defense's setting scored a trial whose defense did not act as that
defense's point, and said nothing of it: mia-train -m hparams_search=optuna_custom
defense=early_stopping train.epochs=3 '+hydra.sweeper.params={defense.early_stopping.patience:
"int(5,50)"}' named patience 50 among its best trials, a setting where early stopping never
stopped (its models the undefended ones). The sweeper still gets the measured figures (they
are true of the models trained, as mia-report keeps the run on its front; objectives' stand-ins
are for figures that misstate the leak), and the search's end now names each such trial.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.report.objectives import objective, objectives
from mia_defense.tracking import read_json
from tests.helpers import mia_train

# early stopping at a patience beyond train.epochs=3, at a small lr: no model stops
IDLE = ("plan.reference_size=300", "train.lr=0.001", "train.epochs=3", "plan.num_models=2")


@pytest.mark.slow  # one tiny trial of an Optuna search, in process
def test_a_search_names_its_trials_whose_defense_did_not_act(tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    done = mia_train(
        "-m", "hparams_search=optuna_custom", "defense=early_stopping", *IDLE,
        '+hydra.sweeper.params={defense.early_stopping.patience: "int(5,50)"}',
        "hydra.sweeper.n_trials=1", "hydra.sweeper.n_jobs=1", "progress=false",
        "figures=false", "hydra.sweep.dir=s", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (results,) = (tmp_path / "s").glob("*/results.json")
    payload = read_json(results)
    assert payload["training"]["defenses_idle"][0]["defense"] == "early_stopping"
    head = "1 trial(s) of this search ran with a defense that did not act"
    assert head in done.stdout, done.stdout[-3000:]
    listed = done.stdout[done.stdout.index(head):].splitlines()[1]
    assert results.parent.name in listed
    assert "defense early_stopping did not act: " in listed
    # scored as measured: its figures are those of the models it trained
    names = ["utility.test_accuracy", "max_attack.tpr@1%fpr"]
    assert objectives(payload, names) == [objective(payload, n) for n in names]
