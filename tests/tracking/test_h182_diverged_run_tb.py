"""A run whose training diverged writes its tb/: its curves up to where it diverged and its
HParams row, which says "no privacy verdict: training diverged: ..." and has no metrics.

Measured: mia-train -m train.lr=1e30,0.01 left tb/ only in the 0.01 run; in TensorBoard the
sweep showed one run, the diverged point missing, not marked as without a verdict.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import mia_defense.pipeline.record as record
from mia_defense.cli.train import run
from mia_defense.errors import DivergedError
from mia_defense.tracking.hparams import NO_VERDICT, sessions_under
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.helpers import LEAN_ATTACKS, mia_train
from tests.test_bad_inputs import FAST
from tests.tracking.tb_api import TensorBoardAPI

NAN = float("nan")


def test_a_diverged_run_has_its_hparams_row_without_a_verdict(tmp_path, make_cfg, monkeypatch):
    logged = []

    def log_run_spy(*args, **kwargs):
        logged.append(kwargs["histories"])
        return log_run(*args, **kwargs)

    monkeypatch.setattr(record, "log_run", log_run_spy)
    with pytest.raises(DivergedError, match="training diverged"):
        run(make_cfg(*FAST, "train.lr=1e30"), tmp_path)
    # the models' curves reached it, the diverged model's with its non-finite loss
    (histories,) = logged
    assert len(histories) >= 1
    assert any(not math.isfinite(r.train_loss) for h in histories for r in h.epochs)
    api = TensorBoardAPI(tmp_path)
    (group,) = api.session_groups(api.experiment()).values()
    assert group["hparams"][NO_VERDICT].startswith(
        "training diverged: model ") and "train.lr=1e+30" in group["hparams"][NO_VERDICT]
    assert group["hparams"]["train.lr"] == 1e30
    assert group["metrics"] == {}  # no attack figures, no utility: nothing was measured
    assert api.tags("scalars") == {}  # (it diverged in its first epoch: no curve point)
    text = api.get("/data/plugin/text/text?run=tb&tag=summary/text_summary")[0]["text"]
    assert "no privacy verdict" in text and "training diverged" in text
    # the sweep's experiment config reads the same row back from results.json
    (session,) = sessions_under(tmp_path)
    assert session.metrics == {}
    assert dict(session.hparams) == group["hparams"]


def test_a_run_stopped_after_training_shows_its_targets_curves(tmp_path, make_cfg, monkeypatch):
    """Non-finite released outputs (a release, or an undefended attacker's models, after the
    targets trained) stop the run as diverged: its curves are the targets', whole."""
    import mia_defense.experiment as experiment

    def non_finite(*args, **kwargs):
        raise DivergedError("the released outputs on the test set contain NaN or +inf")

    monkeypatch.setattr(experiment, "release_test", non_finite)
    with pytest.raises(DivergedError, match="released outputs"):
        run(make_cfg(*FAST, "train.epochs=3"), tmp_path)
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    assert [p.step for p in events.Scalars("loss/train")] == [1, 2, 3]
    assert "utility/test_accuracy" not in events.Tags()["scalars"]


def test_a_diverged_runs_curves_end_where_a_loss_became_non_finite(tmp_path):
    fine = ModelHistory(epochs=[EpochRecord(e, 1.0, 0.5, 1.2, 0.4) for e in range(4)],
                        epoch_stats=[{} for _ in range(4)])  # fmt: skip
    diverged = ModelHistory(
        epochs=[EpochRecord(0, 3.0, 0.3, 3.2, 0.2), EpochRecord(1, 2.0, 0.3, 2.2, 0.2),
                EpochRecord(2, NAN, 0.1, NAN, 0.1), EpochRecord(3, NAN, 0.1, NAN, 0.1)],
        epoch_stats=[{} for _ in range(4)],
    )  # fmt: skip
    log_run(tmp_path, histories=[fine, diverged], attacks={}, scalars={},
            hparams={"train.lr": 1.0, NO_VERDICT: "training diverged: model 1"},
            figures=False)  # fmt: skip
    events = EventAccumulator(str(tmp_path))
    events.Reload()
    for tag in ("loss/train", "accuracy/train", "loss/test", "accuracy/test"):
        points = events.Scalars(tag)
        assert [p.step for p in points] == [1, 2], tag  # epochs 3 and 4: NaN losses
        assert np.isfinite([p.value for p in points]).all()
    assert events.Scalars("loss/train")[0].value == pytest.approx(2.0)  # the mean of 1 and 3


@pytest.mark.slow  # a sweep of two tiny runs (about 4 s)
def test_a_sweep_compared_in_tensorboard_shows_its_diverged_point(tmp_path):
    root = tmp_path / "sweep"
    done = mia_train("-m", "plan.num_models=2", "plan.population_size=200", "train.epochs=1",
                     "progress=false", *LEAN_ATTACKS, "train.lr=1e30,0.01",
                     f"hydra.sweep.dir={root}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]  # (a point diverged)
    api = TensorBoardAPI(root)
    experiment = api.experiment()
    infos = {h["name"]: h for h in experiment["hparamInfos"]}
    assert infos["train.lr"]["domainInterval"] == {"minValue": 0.01, "maxValue": 1e30}
    assert NO_VERDICT in infos
    groups = api.session_groups(experiment)
    assert len(groups) == 2
    (diverged,) = [g for g in groups.values() if g["hparams"]["train.lr"] == 1e30]
    assert diverged["hparams"][NO_VERDICT].startswith("training diverged: ")
    assert diverged["metrics"] == {}
