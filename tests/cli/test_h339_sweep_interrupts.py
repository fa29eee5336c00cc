"""What an interrupted or failed run or sweep says it keeps, and what resumes it (h339)."""

from __future__ import annotations

import json
import os

import pytest

from mia_defense.cli import run_records, stopped
from tests.helpers import hold_run_lock


def _run(folder, status):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.log").write_text("started\n")  # (grew since the sweep began: its own)
    (folder / "results.json").write_text(json.dumps({"schema_version": 1, "status": status}))


def test_a_point_another_sweep_runs_is_not_said_stopped(
    tmp_path, monkeypatch, capsys, sweep_end
):
    # the same sweep started twice into one hydra.sweep.dir: Ctrl-C to the second, its own
    # point interrupted, said 'the training of 2 runs stopped part way', one of them the
    # first sweep's, which went on and finished
    sweep_end.start(tmp_path)
    fd = hold_run_lock(tmp_path / "a")
    try:
        _run(tmp_path / "a", "running")
        _run(tmp_path / "b", "interrupted")
        monkeypatch.setattr(stopped, "KEPT_SAID", [])
        stopped.say_what_the_sweep_kept()
    finally:
        os.close(fd)
    assert capsys.readouterr().err == (
        "kept: 0 finished runs of this sweep (skipped when it resumes); lost: the training of "
        "1 run stopped part way with no trained model saved yet, done again when the sweep "
        "resumes; not stopped: 1 run in progress in another process (pid 1 on elsewhere since "
        "2026-01-01 00:00:00), going on there\n")


def test_a_run_stopped_as_it_takes_the_stores_models_keeps_them(
    tmp_path, monkeypatch, caplog, sweep_end, capsys
):
    # Ctrl-C after the 'running' mark, as the store's entry was written into the run's
    # checkpoints: 'kept: no trained model yet ...; lost: the training in progress, which
    # the run starts anew' (the sweep: 'done again'), where its resume loads the entry
    import logging

    import mia_defense.pipeline.train as pipeline
    import mia_defense.store as store
    from mia_defense.cli.build import run
    from mia_defense.tracking import read_json
    from tests.conftest import compose_cfg
    from tests.helpers import FAST

    entry = tmp_path / "store" / ("0" * 64)
    entry.parent.mkdir()
    for suffix in (".json", ".pt"):  # (an entry another point stored)
        entry.with_suffix(suffix).write_text("{}")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "store_key", lambda *args, **kwargs: ("0" * 64, {}))
    monkeypatch.setattr(store.ModelStore, "_read", lambda *args, **kwargs: object())
    monkeypatch.setattr(store, "_write_checkpoints", interrupted)
    run_dir = tmp_path / "run"
    try:
        run(compose_cfg(*FAST, f"cache_dir={entry.parent}"), run_dir)
    except KeyboardInterrupt:
        pass
    assert read_json(run_dir / "results.json")["status"] == "interrupted"
    with caplog.at_level(logging.WARNING, logger="mia_defense.cli.train"):
        stopped.say_what_the_run_kept(run_dir)
    assert f"kept: 4 trained models saved in {entry}.pt, reused when the run" in caplog.text
    sweep_end.start(tmp_path, runs=[run_dir])
    monkeypatch.setattr(stopped, "KEPT_SAID", [])
    stopped.say_what_the_sweep_kept()
    assert ("and 4 trained models saved by 1 run stopped part way (reused then, 4 of them in "
            "the model store); lost: the work in progress since each one's last saved model"
            ) in capsys.readouterr().err


def test_an_error_raised_as_ctrl_c_was_handled_ends_the_sweep_as_interrupted(
    tmp_path, monkeypatch, capsys, sweep_end
):
    # Ctrl-C as Hydra loaded a point's config landed inside omegaconf, whose finally raised
    # an AttributeError in its place: Hydra printed that traceback before 'interrupted'
    from hydra._internal.hydra import Hydra

    def loading(self, *args, **kwargs):
        try:
            raise KeyboardInterrupt
        finally:
            raise AttributeError("'NoneType' object has no attribute '_invalidate_flags_cache'")

    monkeypatch.setattr(Hydra, "multirun", loading)
    stopped.lost_workers_stop_cleanly()
    sweep_end.start(tmp_path)
    _run(tmp_path / "a", "complete")
    monkeypatch.setattr(stopped, "KEPT_SAID", [])
    with pytest.raises(KeyboardInterrupt):
        Hydra.multirun(None)
    assert capsys.readouterr().err.startswith("kept: 1 finished run of this sweep")


@pytest.mark.parametrize(("error", "saved", "left"), [
    ("ConfigError", 0, False), ("ConfigError", 1, True), ("DataError", 0, True),
])  # fmt: skip
def test_a_run_refused_for_a_setting_once_trained_is_not_said_to_resume(
    tmp_path, monkeypatch, error, saved, left
):
    # mia-train train.lr=1e-30 (a clock-named folder): 'ConfigError: model 1: training changed
    # none of its weights: ... raise the learning rate (train.lr)', then 'to resume this run,
    # add hydra.run.dir=outputs/...': the same settings fail again, a raised train.lr there is
    # refused as a failed run of another config
    _run(tmp_path, "failed")
    payload = json.loads((tmp_path / "results.json").read_text())
    (tmp_path / "results.json").write_text(json.dumps(
        {**payload, "failed": {"error": error, "message": "model 1: training changed none"}}))
    if saved:
        (tmp_path / "checkpoints").mkdir()
        (tmp_path / "checkpoints" / "model_0000.pt").touch()
    monkeypatch.setattr(stopped, "CLOCK_NAMED", [("hydra.run.dir", str(tmp_path))])
    assert stopped.left_to_resume() is left


def test_a_store_entry_without_its_manifest_is_not_kept(tmp_path):
    # the manifest is written last: an entry without one was never finished, and the resume
    # trains its models again
    weights = tmp_path / ("0" * 64 + ".pt")
    weights.write_text("{}")
    payload = {"model_store": {"model": {"entry": str(weights), "models": 2}}}
    assert run_records.in_store(payload) == {}
    weights.with_suffix(".json").write_text("{}")
    assert run_records.in_store(payload) == {"checkpoints": (2, str(weights))}


def test_a_run_stopped_as_it_waits_for_another_to_store_its_models_says_so(
    tmp_path, monkeypatch, caplog
):
    # two runs of one config sharing cache_dir: Ctrl-C to the second as it waited for the
    # first's lock said 'lost: the training in progress, which the run starts anew', where it
    # trained nothing and its resume loads the first's models once stored
    import fcntl
    import logging
    from types import SimpleNamespace

    import mia_defense.store as store

    def flock(fd, operation):
        raise BlockingIOError if operation & fcntl.LOCK_NB else KeyboardInterrupt

    monkeypatch.setattr(store, "fcntl", SimpleNamespace(
        flock=flock, LOCK_EX=fcntl.LOCK_EX, LOCK_NB=fcntl.LOCK_NB))
    models = store.ModelStore(tmp_path / "store")
    with pytest.raises(KeyboardInterrupt):
        models.train_once(("0" * 64, {}), lambda: None, checkpoint_dir=tmp_path / "c",
                          fingerprint=None, num_models=2, stage="model")
    assert models.loading["model"]["waiting_for"] == "another run"
    _run(tmp_path / "run", "interrupted")
    payload = json.loads((tmp_path / "run" / "results.json").read_text())
    (tmp_path / "run" / "results.json").write_text(
        json.dumps({**payload, "model_store": models.loading}))
    with caplog.at_level(logging.WARNING, logger="mia_defense.cli.train"):
        stopped.say_what_the_run_kept(tmp_path / "run")
    assert "lost: nothing trained here: the run waited for another run, which" in caplog.text
