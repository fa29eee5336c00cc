"""HParams shows the attacks' figures of a sweep with DP-SGD runs without a click.

TensorBoard's HParams tab shows the first five metric columns of the experiment config
(`SHOWN_METRICS`). Measured (h227, ``mia-train -m defense=none,dp,label_smoothing,dropout
release=full,topk``, digits, K=4): the columns were test accuracy, ε, δ of ε, σ used and TPR
at 0.1% FPR; TPR at 1% FPR, the AUC and the empirical ε were hidden, and a run with an ε that
is no guarantee among them pushed TPR at 0.1% FPR out too, leaving no figure of any attack.
"""

from __future__ import annotations

from mia_defense.tracking.hparams import SHOWN_METRICS, Session, write_experiment
from tests.tracking.tb_api import TensorBoardAPI

ATTACKS = {"privacy/strongest_tpr@0.1%fpr": 0.004, "privacy/strongest_tpr@1%fpr": 0.015,
           "privacy/strongest_auc": 0.53, "privacy/empirical_epsilon": 0.1}  # fmt: skip
DP = {"privacy/delta": 2e-4, "privacy/noise_multiplier": 0.73}


def _shown(tmp_path, sessions):
    write_experiment(tmp_path, sessions, swept=["defense"])
    infos = TensorBoardAPI(tmp_path).experiment()["metricInfos"]
    return [m["name"]["tag"] for m in infos][:SHOWN_METRICS]


def test_a_dp_sweep_shows_accuracy_the_tprs_and_epsilon(tmp_path):
    sessions = [
        Session("none", {"defense": "none"}, {"utility/test_accuracy": 0.85, **ATTACKS}),
        Session("dp", {"defense": "dp"},
                {"utility/test_accuracy": 0.34, "privacy/epsilon": 8.0, **DP, **ATTACKS}),
        Session("dp_unaccounted", {"defense": "dp"}, {
            "utility/test_accuracy": 0.35, "privacy/epsilon_no_guarantee": 8.0, **DP, **ATTACKS}),
    ]  # fmt: skip
    assert _shown(tmp_path, sessions) == [
        "utility/test_accuracy", "privacy/strongest_tpr@0.1%fpr", "privacy/strongest_tpr@1%fpr",
        "privacy/epsilon", "privacy/epsilon_no_guarantee"]  # fmt: skip


def test_a_sweep_without_dp_shows_every_attack_figure(tmp_path):
    sessions = [Session(name, {"defense": name}, {"utility/test_accuracy": 0.8, **ATTACKS})
                for name in ("none", "dropout")]  # fmt: skip
    assert _shown(tmp_path, sessions) == ["utility/test_accuracy", *ATTACKS]
