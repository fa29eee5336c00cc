"""A second sweep into a sweep's directory keeps the columns the first one ticked.

Measured (h227, digits, K=4): ``mia-train -m defense=none,dp,label_smoothing,dropout
release=full,topk hydra.sweep.dir=D``, then ``mia-train -m train.lr=1e6
hydra.sweep.dir=D``: the second sweep's HParams experiment config (which replaces the first)
ticked no column (it sweeps no key), and TensorBoard showed the first five columns in
alphabetical order (dataset.standardize, defense, dp.accountant,
dp.allow_unaccounted_sampling, dp.auto_fix): ``release``, what the first sweep compared, was
hidden.
"""

from __future__ import annotations

from mia_defense.tracking.hparams import SWEEP_EXPERIMENT_DIR, Session, write_sweep_experiment
from tests.tracking.tb_api import TensorBoardAPI


def _ticked(root):
    return {h["name"] for h in TensorBoardAPI(root).experiment()["hparamInfos"] if h["differs"]}


def _session(name, **hparams):
    return Session(name, {"dataset.standardize": False, "dp.accountant": "rdp", "train.lr": 1e-3,
                          **hparams}, {"utility/test_accuracy": 0.8})  # fmt: skip


def test_a_later_sweep_keeps_the_earlier_ticks_and_adds_its_own(tmp_path):
    first = [_session(f"{d},{r}", defense=d, release=r) for d in ("none", "dp")
             for r in ("full", "topk")]  # fmt: skip
    write_sweep_experiment(tmp_path, first, swept=["defense", "release"])
    assert _ticked(tmp_path) == {"defense", "release"}
    lr = _session("lr", defense="none", release="full", **{"train.lr": 1e6})
    write_sweep_experiment(tmp_path, [*first, lr], swept=[])  # -m train.lr=1e6: no swept key
    assert _ticked(tmp_path) == {"defense", "release"}
    seeds = [_session(f"seed{s}", defense="none", release="full", seed=float(s)) for s in (1, 2)]
    write_sweep_experiment(tmp_path, [*first, lr, *seeds], swept=["seed"])
    assert _ticked(tmp_path) == {"defense", "release", "seed"}
    assert len(list((tmp_path / SWEEP_EXPERIMENT_DIR).glob("events.out.tfevents.*"))) == 1


def test_a_damaged_earlier_config_is_replaced(tmp_path):
    folder = tmp_path / SWEEP_EXPERIMENT_DIR
    folder.mkdir()
    (folder / "events.out.tfevents.1.host.experiment").write_bytes(b"\x00garbage" * 40)
    write_sweep_experiment(tmp_path, [_session("a", defense="none"), _session("b", defense="dp")],
                           swept=["defense"])  # fmt: skip
    assert _ticked(tmp_path) == {"defense"}
