"""mia-report refuses a run whose results.json holds an FPR a TPR was read at
(``attacks.<name>.fpr_read@<f>%fpr``) outside [0, f], as it refuses other figures out of
their range. Measured (the strongest attack's fpr_read@0.1%fpr and its headline copy edited
alike): -1 gave the note "its tpr@0.1%fpr is read at FPR -1e+02%", and 2.0 or 0.5 ranked the
run without a word; NaN and a string were already refused."""

from __future__ import annotations

import pytest

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results

KEY = "fpr_read@0.1%fpr"


def _run_with(tmp_path, value):
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.9, signal=2.0, nonmember_scores=2000)

    def change(payload):
        payload["attacks"][payload["strongest_attack"]][KEY] = value

    payload = rewrite_results(run, change)
    return run, payload["strongest_attack"]


@pytest.mark.parametrize("value", [-1, 2.0])
def test_an_fpr_read_outside_zero_one_skips_the_run(tmp_path, value):
    run, name = _run_with(tmp_path, value)
    loaded = load_runs([run])
    assert not loaded.runs
    assert dict(loaded.skipped)[run] == f"attacks.{name}.{KEY} is {value:g}, outside [0, 1]"
    assert not [note for _, note in loaded.caveats if "is read at FPR" in note]


def test_an_fpr_read_above_its_own_fpr_skips_the_run(tmp_path):
    run, name = _run_with(tmp_path, 0.5)
    loaded = load_runs([run])
    assert not loaded.runs
    assert dict(loaded.skipped)[run] == (
        f"attacks.{name}.{KEY} 0.5 is above 0.1%, the FPR its TPR was read for (a TPR at an "
        "FPR is read at or below it): a figure was changed after the run; rerun it")


@pytest.mark.parametrize("value", [0.001, 0.0002, 0.0])
def test_an_fpr_read_at_or_below_its_fpr_is_kept(tmp_path, value):
    run, _ = _run_with(tmp_path, value)
    # (the range alone: where scores.npz gives another, the scores check refuses it, h294)
    (run / "scores.npz").unlink()
    loaded = load_runs([run])
    assert len(loaded.runs) == 1
    assert not loaded.skipped
