"""A diverged run's HParams row had blank ``defense``, ``release`` and ``shadow_recipe``
cells: its session held its flat config only (results.json of a diverged run holds no
``defense``), where the finished runs beside it name them ('mia-train -m train.optimizer=sgd
train.lr=1e6,0.01 defense=none': the 0.01 run's row said none/full/same, the diverged one's
nothing). Its row names them as a finished run's does (`defense_names`), and the sweep's
experiment config, read back by `sessions_under`, has the same values in its columns."""

from __future__ import annotations

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import DivergedError
from mia_defense.tracking.hparams import sessions_under, write_experiment
from tests.helpers import FAST
from tests.tracking.tb_api import TensorBoardAPI


def test_a_diverged_runs_row_names_its_defense_release_and_shadow_recipe(tmp_path, make_cfg):
    with pytest.raises(DivergedError, match="training diverged"):
        run(make_cfg(*FAST, "train.lr=1e30", "defense=label_smoothing", "release=topk"),
            tmp_path)  # fmt: skip
    api = TensorBoardAPI(tmp_path)
    (group,) = api.session_groups(api.experiment()).values()
    names = {key: group["hparams"].get(key) for key in ("defense", "release", "shadow_recipe")}
    assert names == {"defense": "label_smoothing", "release": "topk", "shadow_recipe": "same"}
    # the sweep's experiment config: its columns read the run back with the same names
    (session,) = sessions_under(tmp_path)
    assert dict(session.hparams) == group["hparams"]
    write_experiment(tmp_path / "experiment", [session], swept=["train.lr"])
    infos = {h["name"]: h for h in TensorBoardAPI(tmp_path).experiment()["hparamInfos"]}
    assert infos["defense"]["domainDiscrete"] == ["label_smoothing"]
    assert infos["release"]["domainDiscrete"] == ["topk"]


def test_a_diverged_run_recorded_without_names_is_read_back_without_them(tmp_path, make_cfg,
                                                                          monkeypatch):
    """A run that diverged before its names were recorded (or whose tb/ is unreadable)
    keeps its row as it was: blank there, its config's columns read."""
    import mia_defense.experiment as experiment

    monkeypatch.setattr(experiment, "defense_names", lambda _: {})
    with pytest.raises(DivergedError, match="training diverged"):
        run(make_cfg(*FAST, "train.lr=1e30"), tmp_path)
    (session,) = sessions_under(tmp_path)
    assert "defense" not in session.hparams and session.hparams["train.lr"] == 1e30
    for events in (tmp_path / "tb").glob("events.out.tfevents.*"):
        events.write_bytes(b"not an event file")
    (session,) = sessions_under(tmp_path)
    assert "release" not in session.hparams and session.hparams["train.lr"] == 1e30
