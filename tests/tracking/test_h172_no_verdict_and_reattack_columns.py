"""HParams tells a run without a privacy verdict, and a mia-attack run, from the others.

Measured (h172, digits, K=4): ``mia-train train.lr=1000 train.optimizer=sgd`` ended "UTILITY
BELOW CHANCE ... no privacy verdict for this run", yet TensorBoard's HParams showed it as the
most private run of the sweep (strongest TPR at 0.1% and 1% FPR 0, empirical ε 0, AUC 0.514,
status success) with nothing in any column to say otherwise; and ``mia-attack <run dir>``
into another folder had the same columns and values as the run it attacked, so the two rows
could be told apart by their folder names alone.
"""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.tracking import write_json
from mia_defense.tracking.hparams import ATTACKED, NO_VERDICT, sessions_under, write_experiment
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.conftest import TINY
from tests.helpers import LEAN_ATTACKS, mia_attack, mia_train
from tests.tracking.tb_api import TensorBoardAPI

TPR = "privacy/strongest_tpr@0.1%fpr"
ATTACK_FIGURES = {TPR, "privacy/strongest_auc", "privacy/empirical_epsilon"}


def _run(root, name, *, below_chance, leak=False, source=None):
    """A run as mia-train records it (`record_run`): its TensorBoard events, then
    results.json, with the columns `run_columns` gives it."""
    from mia_defense.tracking.hparams import run_columns

    rng = np.random.default_rng(0)
    masks = rng.random((2, 40)) < 0.5
    attacks = {"loss": evaluate("loss", rng.normal(size=(2, 40)), masks, targets=np.arange(2),
                                config=EvaluationConfig(fprs=(0.001,), bootstrap=0))}  # fmt: skip
    headline = {"utility/test_accuracy": 0.09 if below_chance else 0.9, TPR: 0.0,
                "privacy/strongest_auc": 0.51, "privacy/empirical_epsilon": 0.0}  # fmt: skip
    payload = {"status": "complete", "utility_below_chance": below_chance,
               "privacy": {"leak_without_utility": leak}, "hparams": {"defense": "none"},
               "headline": headline}  # fmt: skip
    if source is not None:
        payload["source"] = {"kind": "run_directory", "path": source}
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.2, 0.8)], epoch_stats=[])
    log_run(root / name / "tb", histories=[history], attacks=attacks, scalars=headline,
            hparams={"defense": "none", **run_columns(payload)}, figures=False)  # fmt: skip
    write_json(root / name / "results.json", payload)


def test_a_run_at_chance_says_so_and_shows_no_attack_figures(tmp_path):
    _run(tmp_path, "learned", below_chance=False)
    _run(tmp_path, "chance", below_chance=True)
    _run(tmp_path, "leaks", below_chance=True, leak=True)  # not private: its figures stand
    write_experiment(tmp_path, sessions_under(tmp_path), swept=["train.lr"])
    api = TensorBoardAPI(tmp_path)
    experiment = api.experiment()
    assert NO_VERDICT in {h["name"] for h in experiment["hparamInfos"]}
    groups = api.session_groups(experiment)
    chance = groups["chance/tb"]
    assert chance["hparams"][NO_VERDICT].startswith("accuracy not above chance")
    assert set(chance["metrics"]) == {"utility/test_accuracy"}
    for run in ("learned", "leaks"):
        assert NO_VERDICT not in groups[f"{run}/tb"]["hparams"]
        assert ATTACK_FIGURES <= set(groups[f"{run}/tb"]["metrics"])
    tags = api.tags("scalars")
    assert TPR not in tags["chance/tb"] and TPR in tags["learned/tb"]


def test_a_mia_attack_run_names_what_it_attacked(tmp_path):
    _run(tmp_path, "trained", below_chance=False)
    _run(tmp_path, "again", below_chance=False, source="/runs/trained")
    api = TensorBoardAPI(tmp_path)  # (no experiment config: the columns of the sessions)
    groups = api.session_groups(api.experiment())
    assert groups["again/tb"]["hparams"][ATTACKED] == "/runs/trained"
    assert ATTACKED not in groups["trained/tb"]["hparams"]
    write_experiment(tmp_path, sessions_under(tmp_path), swept=[])
    api = TensorBoardAPI(tmp_path)
    assert ATTACKED in {h["name"] for h in api.experiment()["hparamInfos"]}


def test_mia_train_at_chance_then_mia_attack_of_it_through_the_commands(tmp_path):
    """The columns as the two commands write them (`record_run`), not only `log_run`'s."""
    train = [*TINY, *LEAN_ATTACKS, "plan.num_models=2", "train.epochs=1",
             "train.optimizer=sgd", "train.lr=1000", "hydra.run.dir=run"]  # fmt: skip
    done = mia_train(*train, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "no privacy verdict" in done.stdout + done.stderr
    done = mia_attack("run", *LEAN_ATTACKS, "progress=false", "hydra.run.dir=again",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    for name, attacked in (("run", None), ("again", str((tmp_path / "run").resolve()))):
        api = TensorBoardAPI(tmp_path / name)
        (group,) = api.session_groups(api.experiment()).values()
        assert group["hparams"][NO_VERDICT].startswith("accuracy not above chance")
        assert not ATTACK_FIGURES & set(group["metrics"])
        assert group["hparams"].get(ATTACKED) == attacked
