"""A sweep's kept line counted a point stopped as it waited on another point's model store
lock (results.json ``model_store``'s ``waiting_for``, bdf090c9) as 'training stopped part
way', though it trained nothing: it is counted as waiting, as the single run's line says."""

from __future__ import annotations

import json

from mia_defense.cli import stopped


def test_a_point_that_waited_for_the_model_store_trained_nothing(
    tmp_path, monkeypatch, capsys, sweep_end
):
    sweep_end.start(tmp_path)
    waiting = {"model": {"models": 2, "entry": str(tmp_path / "gone.pt"),
                         "waiting_for": "pid 7 on here since 2026-01-01 00:00:00"}}
    for name, extra in (("a", {"model_store": waiting}), ("b", {})):
        (tmp_path / name).mkdir()
        (tmp_path / name / "train.log").write_text("started\n")
        (tmp_path / name / "results.json").write_text(
            json.dumps({"schema_version": 1, "status": "interrupted", **extra}))
    monkeypatch.setattr(stopped, "KEPT_SAID", [])
    stopped.say_what_the_sweep_kept()
    assert capsys.readouterr().err == (
        "kept: 0 finished runs of this sweep (skipped when it resumes); lost: the training of "
        "1 run stopped part way with no trained model saved yet, done again when the sweep "
        "resumes; nothing trained by 1 run that waited for pid 7 on here since 2026-01-01 "
        "00:00:00, which trains the same models into the model store: the resume loads them "
        "if it stored them, else trains them\n")
