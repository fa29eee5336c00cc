"""A results.json whose ``strongest_attack`` is not the attack its own figures make the
strongest is left out of the ranking (helper 590).

Measured (mia-report of a run of mia-defense's writer whose attacks read lira TPR@0.1%FPR
0.0437 AUC 0.720, loss 0.0000 and 0.673, ``strongest_attack`` edited from lira to loss and
the headline's copies of its figures with it): the run was ranked with loss named its
strongest attack, whose scores the report's caveats then read (ties at the top, the DP
claim's check), and whose name the row gave.
"""

from __future__ import annotations

from pathlib import Path

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results

_LOW = "tpr@0.1%fpr"


def _report(root: Path, out: Path):
    return write_report([root], out_dir=out, charts=False, tensorboard=False)


def _name_strongest(payload: dict, name: str) -> None:
    """Name ``name`` the strongest attack of a record of mia-defense's writer (its mark,
    ``timings``), the headline's copies of the strongest attack's figures edited alike."""
    figures = payload["attacks"][name]
    payload.update(strongest_attack=name, timings={"attacks": 1.0}, headline={
        f"privacy/strongest_{key}": figures[key] for key in ("auc", _LOW)})


def _rename_strongest(run_dir: Path, name: str) -> dict:
    return rewrite_results(run_dir, lambda p: _name_strongest(p, name))


def test_a_tool_of_your_own_may_name_another(tmp_path):
    # (no writer's mark: a tool's own rule, as a file's attacks of its own are not held to
    # the headline: tests/report/test_h255_added_attack.py)
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0)
    rewrite_results(root / "a", lambda p: p.__setitem__("strongest_attack", "loss"))
    assert [s.name for s in _report(root, tmp_path / "out").summaries] == ["a"]


def test_a_weaker_attack_named_strongest_is_not_ranked(tmp_path):
    root = tmp_path / "sweep"
    payload = make_run(root / "a", test_accuracy=0.9, signal=1.0)
    make_run(root / "b", test_accuracy=0.8, signal=1.0, defense="dropout")
    lira, loss = payload["attacks"]["lira"], payload["attacks"]["loss"]
    assert payload["strongest_attack"] == "lira" and lira[_LOW] > loss[_LOW]
    _rename_strongest(root / "a", "loss")
    report = _report(root, tmp_path / "out")
    assert [s.name for s in report.summaries] == ["b"]
    (reason,) = [why for run, why in report.not_ranked if run == "a"]
    assert reason.startswith(
        f"strongest_attack is 'loss' (TPR@0.1%FPR {loss[_LOW]:.4f}, AUC {loss['auc']:.3f}), "
        f"but by the file's own figures the strongest black-box attack is 'lira' "
        f"(TPR@0.1%FPR {lira[_LOW]:.4f}, AUC {lira['auc']:.3f})")
    assert reason.endswith("the file was edited; rerun the run")


def _tie_at_lowest(run_dir: Path, *, higher: str, named: str) -> dict[str, float]:
    """Set both attacks' TPR at 0.1% FPR to 0.01, the ``higher`` one's at 1% above the
    other's (each at or below either's TPR at 10%: the curves still rise), name ``named``
    the strongest (without scores.npz, as a tool of your own writes it, lest its scores
    refuse the figures); return the TPRs at 1%."""
    set_to: dict[str, float] = {}

    def tie(payload: dict) -> None:
        attacks = payload["attacks"]
        top = min(attacks["loss"]["tpr@10%fpr"], attacks["lira"]["tpr@10%fpr"])
        for name, metrics in attacks.items():
            for key in (_LOW, f"{_LOW}_ci_low", f"{_LOW}_ci_high"):
                metrics[key] = 0.01
            set_to[name] = top if name == higher else top / 2
            for key in ("tpr@1%fpr", "tpr@1%fpr_ci_low", "tpr@1%fpr_ci_high"):
                metrics[key] = set_to[name]
        _name_strongest(payload, named)

    rewrite_results(run_dir, tie)
    (run_dir / "scores.npz").unlink()
    return set_to


def test_a_tie_at_the_lowest_fpr_broken_against_the_named_one_is_not_ranked(tmp_path):
    # (equal TPRs at 0.1% FPR: loss lower at 1% FPR, and in AUC)
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0)
    make_run(root / "b", test_accuracy=0.8, signal=1.0, defense="dropout")
    tpr = _tie_at_lowest(root / "a", higher="lira", named="loss")
    report = _report(root, tmp_path / "out")
    assert [s.name for s in report.summaries] == ["b"]
    (reason,) = [why for run, why in report.not_ranked if run == "a"]
    assert f"strongest_attack is 'loss' (TPR@0.1%FPR 0.0100, TPR@1%FPR {tpr['loss']:.4f}, " in (
        reason)
    assert ("the strongest black-box attack is 'lira' (TPR@0.1%FPR 0.0100, TPR@1%FPR "
            f"{tpr['lira']:.4f}, AUC ") in reason


def test_a_tie_the_rules_break_apart_is_left_to_the_run(tmp_path):
    # (lira: the higher AUC, which broke a tie until 2026-12-07; loss: the higher TPR at 1%
    # FPR, which breaks it since)
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0)
    _tie_at_lowest(root / "a", higher="loss", named="lira")
    assert [s.name for s in _report(root, tmp_path / "out").summaries] == ["a"]


def test_the_runs_own_pick_is_ranked(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0)
    _rename_strongest(root / "a", "lira")
    report = _report(root, tmp_path / "out")
    assert [s.name for s in report.summaries] == ["a"] and not report.not_ranked


def test_a_pick_among_attacks_at_tpr_0_is_left_to_the_run(tmp_path):
    # every attack at TPR 0 at the lowest FPR: the run's pick leaves out an attack that
    # measured nothing (one score per target), which results.json does not record
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0)

    def zero(payload: dict) -> None:
        for metrics in payload["attacks"].values():
            for key in (_LOW, f"{_LOW}_ci_low", f"{_LOW}_ci_high"):
                metrics[key] = 0.0
        _name_strongest(payload, "loss")  # (lira has the higher AUC)

    rewrite_results(root / "a", zero)
    (root / "a" / "scores.npz").unlink()  # (a tool's of your own: no scores the TPRs are of)
    report = _report(root, tmp_path / "out")
    assert [s.name for s in report.summaries] == ["a"]
