"""A sweep of a defense's settings as a mapping ticks what it varied, and keeps the earlier ticks.

Measured (h258, digits, K=4) in one ``hydra.sweep.dir``: ``-m defense=none,dp,label_smoothing
release=full,topk``, then ``-m train.lr=1e6`` (a run at chance), then ``-m defense=dp
'defense.dp={target_epsilon:null,noise_multiplier:0},{..., noise_multiplier:1.0,
poisson_sampling:false, allow_unaccounted_sampling:true}' release=label_only``. TensorBoard
showed defense, dp.accountant, dp.allow_unaccounted_sampling, dp.auto_fix and ``no privacy
verdict``: dp.accountant (``rdp`` in every DP run) and dp.auto_fix (``false``) were ticked as
varied, because the runs without DP-SGD lack them; ``release``, which the first sweep
compared, was cut and lost for every later sweep.
"""

from __future__ import annotations

from mia_defense.tracking.hparams import NO_VERDICT, Session, write_sweep_experiment
from tests.tracking.tb_api import TensorBoardAPI

DP = {"dp.accountant": "rdp", "dp.auto_fix": False, "dp.delta": "auto",
      "dp.poisson_sampling": True, "dp.allow_unaccounted_sampling": False}  # fmt: skip


def _infos(root):
    return TensorBoardAPI(root).experiment()["hparamInfos"]


def _ticked(root):
    return {h["name"] for h in _infos(root) if h["differs"]}


def _run(name, defense, release, **more):
    dp = {**DP, "dp.noise_multiplier": "auto", "dp.target_epsilon": 8.0} if defense == "dp" else {}
    return Session(name, {"defense": defense, "release": release, "train.lr": 0.01, **dp, **more},
                   {"utility/test_accuracy": 0.7})  # fmt: skip


def test_a_mapping_sweep_ticks_what_varies_among_its_runs_and_keeps_release(tmp_path):
    first = [_run(f"{d},{r}", d, r) for d in ("none", "dp", "label_smoothing")
             for r in ("full", "topk")]  # fmt: skip
    write_sweep_experiment(tmp_path, first, swept=["defense", "release"])
    chance = _run("lr", "none", "full", **{"train.lr": 1e6, NO_VERDICT: "accuracy at chance"})
    write_sweep_experiment(tmp_path, [*first, chance], swept=[])
    assert _ticked(tmp_path) == {"defense", "release", NO_VERDICT}
    mapping = [
        _run("inf", "dp", "label_only",
             **{"dp.noise_multiplier": 0.0, "dp.target_epsilon": "none"}),
        _run("shuffled", "dp", "label_only", **{
            "dp.noise_multiplier": 1.0, "dp.target_epsilon": "none", "dp.poisson_sampling": False,
            "dp.allow_unaccounted_sampling": True}),
    ]  # fmt: skip
    runs = [*first, chance, *mapping]
    write_sweep_experiment(tmp_path, runs, swept=["defense", "defense.dp"])
    ticked = _ticked(tmp_path)
    assert {"defense", "release", NO_VERDICT} <= ticked
    assert not ticked & {"dp.accountant", "dp.auto_fix", "dp.delta"}  # the same in every DP run
    assert len(ticked) == 5  # (what TensorBoard shows at first)
    swept = {h["name"] for h in _infos(tmp_path) if h["description"]}
    assert swept == {"defense", "release", "dp.noise_multiplier", "dp.target_epsilon",
                     "dp.poisson_sampling", "dp.allow_unaccounted_sampling"}  # fmt: skip
    # a later sweep with no swept key keeps every column swept before, ticked or not
    write_sweep_experiment(tmp_path, runs, swept=[])
    assert {h["name"] for h in _infos(tmp_path) if h["description"]} == swept
    assert _ticked(tmp_path) == ticked
