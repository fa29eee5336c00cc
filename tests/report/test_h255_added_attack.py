"""An attack pasted into a finished run's results.json (``attacks.zzz``, with a TPR at 0.1%
FPR of 0.5 where the run measured 0.0083) passed every check of mia-report, whose
headline copies are checked only from the headline's side: its 0.5 became the run's leakage
(runs.csv's max_tpr@0.1%fpr), a number the run never measured. mia-report now skips such a
run, and mia-attack, which reads the run's facts through the same checks, refuses it."""

from __future__ import annotations

import shutil

import pytest

from mia_defense.report import load_runs
from tests.helpers import mia_attack
from tests.report.fake_runs import make_run, rewrite_results

ADDED = ("attacks.zzz holds figures (auc, tpr@0.1%fpr, tpr@1%fpr), but headline, written "
         "beside every attack's figures, holds none of them: the attack was added after the "
         "run; rerun it")  # fmt: skip


def _paste(payload, *, tpr=0.5):
    payload["attacks"]["zzz"] = {"access": "outputs", "auc": 0.9, "tpr@0.1%fpr": tpr,
                                 "tpr@1%fpr": 0.6, "tpr@10%fpr": 0.7}  # fmt: skip


@pytest.mark.parametrize("tpr", [0.5, 0.0])  # above the strongest attack's, and below
def test_an_attack_added_after_the_run_skips_it(fast_run, tmp_path, tpr):
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    assert [r.name for r in load_runs([run]).runs] == ["run"]  # the run's own file passes
    rewrite_results(run, lambda p: _paste(p, tpr=tpr))
    loaded = load_runs([run])
    assert loaded.runs == []
    assert dict(loaded.skipped)[run] == ADDED


def test_mia_attack_refuses_a_run_with_an_added_attack(fast_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(fast_run.run_dir, run)
    rewrite_results(run, _paste)
    done = mia_attack("run", "attack.bootstrap=0", "figures=false", "hydra.run.dir=out",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode != 0
    assert ADDED in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_runs_without_attack_copies_in_their_headline_are_not_held_to_it(tmp_path):
    # a tool of your own writes no headline, or one without attack/<name>/ copies: nothing
    # tells an added attack from its own there
    make_run(tmp_path / "own", test_accuracy=0.8, signal=2.0)
    make_run(tmp_path / "utility_only", test_accuracy=0.8, signal=2.0, seed=1)
    rewrite_results(tmp_path / "utility_only", lambda p: p.update(
        headline={"utility/test_accuracy": p["utility"]["test_accuracy"]}))
    for name in ("own", "utility_only"):
        rewrite_results(tmp_path / name, _paste)
    loaded = load_runs([tmp_path])
    assert sorted(r.name for r in loaded.runs) == ["own", "utility_only"]
    assert not loaded.skipped
