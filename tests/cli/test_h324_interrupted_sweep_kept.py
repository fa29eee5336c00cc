"""What an interrupted sweep says it keeps and loses (h324)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mia_defense.cli.sweep_end as ended
from mia_defense.cli import stopped


def _run(folder, status, saved=0):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps({"schema_version": 1, "status": status}))
    if saved:
        (folder / "checkpoints").mkdir()
        for k in range(saved):
            (folder / "checkpoints" / f"model_{k:04d}.pt").touch()


@pytest.mark.parametrize(("saved", "said"), [
    (0, "kept: 1 finished run of this sweep (skipped when it resumes); lost: the training of 1 "
        "run stopped part way with no trained model saved yet, done again when the sweep "
        "resumes"),
    (3, "kept: 1 finished run of this sweep (skipped when it resumes) and 3 trained models "
        "saved by 1 run stopped part way (reused then); lost: the work in progress since each "
        "one's last saved model, done again when the sweep resumes"),
])  # fmt: skip
def test_the_kept_line_counts_this_sweeps_models_on_disk(
    tmp_path, monkeypatch, capsys, sweep_end, saved, said
):
    # a sweep stopped during its 3000-epoch run, which had saved no model (stacked models are
    # saved as their chunk ends), said 'the saved models of 1 run stopped part way'; the
    # finished and stopped runs of an earlier sweep in its folder were counted as its own
    _run(tmp_path / "earlier", "complete", saved=2)
    _run(tmp_path / "earlier_stopped", "interrupted", saved=2)
    sweep_end.start(tmp_path, runs=[tmp_path / "a", tmp_path / "b"])
    _run(tmp_path / "a", "complete", saved=2)
    _run(tmp_path / "b", "interrupted", saved=saved)
    monkeypatch.setattr(stopped, "KEPT_SAID", [])
    stopped.say_what_the_sweep_kept()
    assert capsys.readouterr().err == said + "\n"


def test_a_sweeps_results_of_before_are_not_its_own_whatever_their_mtime(tmp_path):
    # a sweep copied (rsync -a, cp -p) from a machine whose clock runs ahead: its diverged
    # run, refused now as another config's, was named among this sweep's diverged runs
    import os
    import time

    from mia_defense.cli.run_records import diverged_since, failed_unrecorded, results_identities
    from mia_defense.files import run_files

    _run(tmp_path / "old", "diverged")
    _run(tmp_path / "killed", "running")
    for results in tmp_path.glob("*/results.json"):
        os.utime(results, (time.time() + 3600,) * 2)
    before = results_identities(run_files(tmp_path))
    _run(tmp_path / "new", "diverged")
    os.utime(tmp_path / "new" / "results.json", (0, 0))  # (this clock set back)
    assert diverged_since(run_files(tmp_path), before) == [tmp_path / "new"]
    assert not failed_unrecorded(tmp_path / "killed", "DataError: x", before)


def test_the_kept_line_of_a_sweep_whose_jobs_run_in_their_folders(
    tmp_path, monkeypatch, capsys, sweep_end
):
    # hydra.sweep.dir=rel hydra.job.chdir=true: Ctrl-C came in the job's folder, where 'rel'
    # named nothing, and the sweep said nothing of what it kept; nor where its runs lay one
    # folder deeper (hydra.sweep.subdir=${hydra.job.num}/run), and a launcher=joblib job it
    # killed read 'running' for ever after
    from omegaconf import OmegaConf

    monkeypatch.chdir(tmp_path)
    run = tmp_path / "rel" / "0" / "run"
    _, config = sweep_end.start(Path("rel"), runs=[run])
    OmegaConf.update(config, "hydra.runtime.cwd", str(tmp_path))
    _run(run, "interrupted", saved=1)
    monkeypatch.chdir(run)
    monkeypatch.setattr(stopped, "KEPT_SAID", [])
    stopped.say_what_the_sweep_kept()
    assert "and 1 trained model saved by 1 run stopped part way" in capsys.readouterr().err


def test_the_runs_kept_line_names_the_folder_of_each_saved_model(tmp_path, caplog):
    # shadow_recipe=undefended, Ctrl-C while the naive attacker's shadows trained: 'kept: 3
    # trained models saved in run/checkpoints/', where 2 were and 1 in checkpoints_undefended/
    import logging

    _run(tmp_path, "interrupted", saved=2)
    (tmp_path / "checkpoints_undefended").mkdir()
    (tmp_path / "checkpoints_undefended" / "model_0000.pt").touch()
    with caplog.at_level(logging.WARNING, logger="mia_defense.cli.train"):
        stopped.say_what_the_run_kept(tmp_path)
    assert (f"kept: 3 trained models saved in {tmp_path}/checkpoints/ and "
            f"{tmp_path}/checkpoints_undefended/, reused") in caplog.text


def test_a_sweep_interrupted_as_its_end_is_said_says_what_it_keeps(
    tmp_path, monkeypatch, capsys, sweep_end
):
    # Ctrl-C as the sweep wrote its HParams experiment, every run finished: only
    # 'interrupted; run the same command again to resume', nothing of what was kept. The
    # interrupted line says it (nothing is left to resume: h491), no kept line beside it
    summary, config = sweep_end.start(tmp_path, runs=[tmp_path / "a"])
    _run(tmp_path / "a", "complete", saved=2)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ended, "_write_hparams_experiment", interrupted)
    monkeypatch.setattr(stopped, "KEPT_SAID", [])
    monkeypatch.setattr(stopped, "CLOCK_NAMED", [])
    with pytest.raises(KeyboardInterrupt):
        summary.on_multirun_end(config)
    stopped.say_what_the_sweep_kept()  # (as Hydra's multirun, guarded, does then)
    assert capsys.readouterr().err == ""
    assert stopped.interrupted_line().startswith("interrupted after the sweep finished: nothing "
                                              "is left to resume (1 finished run kept)")


def test_a_failed_run_a_folder_deeper_in_a_clock_named_sweep_is_left_to_resume(
    tmp_path, monkeypatch
):
    # mia-train -m hydra.sweep.subdir=${hydra.job.num}/run, a run failed (a full disk): exit 2
    # without the line naming hydra.sweep.dir=multirun/<date>/<time> to resume it with
    _run(tmp_path / "0" / "run", "failed")
    monkeypatch.setattr(stopped, "CLOCK_NAMED", [("hydra.sweep.dir", str(tmp_path))])
    assert stopped.left_to_resume()


@pytest.mark.parametrize("said", [
    "ConfigError: {d} holds a failed run of another config (seed: 1 -> 2); nothing was changed",
    "ConfigError: train.lr=-1: must be a finite number > 0",  # (before its folder was claimed)
])  # fmt: skip
def test_a_point_refused_where_an_earlier_run_failed_is_said_refused(
    tmp_path, capsys, sweep_end, said
):
    # hydra.sweep.subdir=${hydra.job.num}, seed=0,1 then seed=0,2: run 1 of before had failed;
    # refused now, it was said to have 'failed after they began ... run the same command again
    # to resume them', and not that the same command refuses it again
    run = tmp_path / "1"
    _run(run, "failed")
    summary, config = sweep_end.start(tmp_path, runs=[run], failed=[(run, said.format(d=run))])
    summary.on_multirun_end(config)
    out = "".join(capsys.readouterr())
    assert "1 run(s) of this sweep were refused" in out and "failed after they began" not in out
