"""h430: a search whose every trial trained, then was refused for an objective its
results.json lacks (``mia-train -m hparams_search=optuna_custom
'objectives=[utility.test_accuracy,max_attack.a]' attack.attacks.rmia.online=true ...``:
online RMIA chooses no ``a``), ended "every run of this sweep was refused (2 of 2; nothing
was trained, a search has no result)" with both runs trained and kept. The line now says how
many trained first; a sweep refused before training (or skipping runs finished before it)
still says nothing was trained."""

from __future__ import annotations

import mia_defense.cli.sweep_end as ended
from mia_defense.tracking import write_json
from mia_defense.tracking.artifacts import SCHEMA_VERSION

_SAID = "ConfigError: objectives: no attack reports 'a'; choose max_attack.METRIC ..."


def _end(sweep_end, root, *, complete_during: bool, complete_before: bool = False):
    points = [root / "train.weight_decay=0.0", root / "train.weight_decay=0.001"]
    for point in points:
        point.mkdir()
        if complete_before:
            write_json(point / "results.json", {"status": "complete",
                                                "schema_version": SCHEMA_VERSION})
    summary, config = sweep_end.start(root, task=["train.weight_decay=0.0,0.001"],
                                      runs=points, failed=[(p, _SAID) for p in points])
    if complete_during:  # (each run wrote its results.json, then its objective was refused)
        for point in points:
            write_json(point / "results.json", {"status": "complete",
                                                "schema_version": SCHEMA_VERSION})
    summary.on_multirun_end(config)


def test_trials_refused_once_trained_are_said_to_have_trained(tmp_path, sweep_end, capsys):
    _end(sweep_end, tmp_path, complete_during=True)
    err = capsys.readouterr().err
    assert "every run of this sweep was refused (2 of 2; 2 trained first" in err, err
    assert "nothing was trained" not in err, err
    assert [p.name for p, _ in ended.SWEEP_FAILED] == ["train.weight_decay=0.0",
                                                      "train.weight_decay=0.001"]


def test_trials_refused_before_training_trained_nothing(tmp_path, sweep_end, capsys):
    _end(sweep_end, tmp_path, complete_during=False)
    assert "(2 of 2; nothing was trained, a search has no result)" in capsys.readouterr().err


def test_runs_finished_before_the_sweep_are_not_trained_by_it(tmp_path, sweep_end, capsys):
    # (a rerun skips them, then refuses their objective: it trained nothing)
    _end(sweep_end, tmp_path, complete_during=False, complete_before=True)
    assert "(2 of 2; nothing was trained, a search has no result)" in capsys.readouterr().err
