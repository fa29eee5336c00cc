"""h441: mia-report said 'defense early_stopping did not act: ' with nothing after of a run
whose results.json's training.defenses_idle holds a reason "" (a run from before e2d843d6;
mia-train records none now), in its caveats and in an Optuna search's list of idle trials
(cli.train._idle_trials, a copy of the same words). Both now say 'no reason recorded',
through one wording (report.checks.notes.idle_defense_notes)."""

from __future__ import annotations

import json
import shutil

import pytest

from mia_defense.report import write_report
from mia_defense.report.checks.notes import idle_defense_notes
from mia_defense.tracking import read_json


@pytest.mark.parametrize("reason", ["", "  ", "\n\x1b"])
def test_a_blank_reason_reads_no_reason_recorded(idle_early_stopping_runs, tmp_path, reason):
    runs = tmp_path / "runs"
    shutil.copytree(idle_early_stopping_runs, runs)
    results = runs / "es" / "results.json"
    payload = read_json(results)
    assert payload["training"]["defenses_idle"][0]["reason"].strip()  # (written with one)
    payload["training"]["defenses_idle"][0]["reason"] = reason
    results.write_text(json.dumps(payload), encoding="utf-8")
    said = "defense early_stopping did not act: no reason recorded"
    assert idle_defense_notes(payload) == [said]
    report = write_report([runs], out_dir=tmp_path / "report", tensorboard=False, charts=False)
    text = report.files["summary"].read_text(encoding="utf-8")
    assert said in text and "did not act: \n" not in text and "did not act: |" not in text


def test_a_search_lists_an_idle_trial_of_a_blank_reason_in_the_same_words(
        idle_early_stopping_runs, tmp_path):  # fmt: skip
    from omegaconf import OmegaConf

    from mia_defense.cli.sweep_end import _idle_trials

    trial = tmp_path / "0"
    shutil.copytree(idle_early_stopping_runs / "es", trial)
    payload = read_json(trial / "results.json")
    payload["training"]["defenses_idle"][0]["reason"] = ""
    (trial / "results.json").write_text(json.dumps(payload), encoding="utf-8")
    config = OmegaConf.create({"hydra": {"sweeper": {
        "_target_": "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper"}}})
    assert _idle_trials(config, {str(trial)}) == [
        (trial, "defense early_stopping did not act: no reason recorded")]
