"""A defense that did not act in some of a run's models only was marked on mia-report's
fronts as one that acted in none: mia-train -m plan.num_models=4 train.epochs=3
progress=false defense=none,dp,relaxloss said 'relaxloss did not act ... in the training of 2
of the 4 model(s)' (results.json's training.defenses_idle records the count in its reason),
and the front's row read '[relaxloss (did not act)]', though half its models had acted. The
mark now says 'did not act in 2 of 4 models' (summary, terminal, tradeoff.md), and the
legend what that means; a defense idle in every model keeps its words exactly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mia_defense.cli.report import _print_report
from mia_defense.defenses.relaxloss import LOWEST_LOSS, RelaxLoss
from mia_defense.report import write_report
from mia_defense.report.build import IDLE_FRONT, IDLE_PART_FRONT
from tests.report.fake_runs import make_run, rewrite_results


def _relaxloss_run(root: Path, lowest: list[float]) -> Path:
    """A fake RelaxLoss run (alpha 0.5) whose models' lowest batch losses are ``lowest``,
    recording the reason RelaxLoss itself gives, as mia-train does; beside an undefended one."""
    reason = RelaxLoss(alpha=0.5).idle_reason([{LOWEST_LOSS: v} for v in lowest], epochs=3)
    assert reason is not None
    make_run(root / "rl", test_accuracy=0.85, signal=0.1, defense="relaxloss")
    rewrite_results(root / "rl", lambda p: p.setdefault("training", {}).update(
        defenses_idle=[{"defense": "relaxloss", "reason": reason}]))
    make_run(root / "und", test_accuracy=0.8, signal=0.3)
    return root


def _front_lines(report, capsys) -> tuple[str, str, str]:
    summary = report.files["summary"].read_text(encoding="utf-8")
    (row,) = [line for line in summary.splitlines()
              if line.startswith("| ") and "`rl`" in line and "| relaxloss" in line]
    _print_report(report)
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if ". rl " in line]
    return summary, row, line + "\n" + out


def test_a_defense_idle_in_half_the_models_says_so(tmp_path, capsys):
    runs = _relaxloss_run(tmp_path / "runs", [0.3, 0.4, 0.55, 0.76])
    report = write_report([runs], out_dir=tmp_path / "report", tensorboard=False, charts=False)
    summary, row, out = _front_lines(report, capsys)
    assert "| relaxloss (did not act in 2 of 4 models) |" in row
    assert "[relaxloss (did not act in 2 of 4 models)]" in out
    assert "(did not act)" not in row
    assert IDLE_FRONT in summary and IDLE_PART_FRONT in summary
    assert IDLE_PART_FRONT in out
    tradeoff = (tmp_path / "report" / "tradeoff.md").read_text(encoding="utf-8")
    assert "relaxloss (did not act in 2 of 4 models)" in tradeoff


def test_a_defense_idle_in_every_model_keeps_its_words(tmp_path, capsys):
    runs = _relaxloss_run(tmp_path / "runs", [0.6, 0.7, 0.55, 0.76])
    report = write_report([runs], out_dir=tmp_path / "report", tensorboard=False, charts=False)
    summary, row, out = _front_lines(report, capsys)
    assert "| relaxloss (did not act) |" in row
    assert "[relaxloss (did not act)]" in out
    assert IDLE_FRONT in summary and IDLE_PART_FRONT not in summary
    assert IDLE_PART_FRONT not in out


def test_seeds_sum_the_models_and_a_run_idle_in_all_counts_them_all(tmp_path):
    runs = _relaxloss_run(tmp_path / "runs", [0.3, 0.4, 0.55, 0.76])
    report = write_report([runs], out_dir=tmp_path / "report", tensorboard=False, charts=False)
    (group,) = [g for g in report.groups if g.defense == "relaxloss"]
    (run,) = group.runs
    assert run.idle_models == ((2, 4),)
    other = replace(run, name="rl_seed1", seed=1, idle_models=((1, 4),))
    assert replace(group, runs=(run, other)).defenses_idle == "relaxloss (in 3 of 8 models)"
    all_idle = replace(run, name="rl_seed1", seed=1, idle_models=((4, 4),))
    assert replace(group, runs=(run, all_idle)).defenses_idle == "relaxloss (in 6 of 8 models)"
    unknown = replace(run, name="rl_seed1", seed=1, idle_models=(None,))
    assert replace(group, runs=(run, unknown)).defenses_idle == "relaxloss"
    assert replace(group, runs=(all_idle,)).defenses_idle == "relaxloss"
    acted = replace(run, name="rl_seed1", seed=1, defenses_idle=(), idle_models=())
    assert replace(group, runs=(run, acted)).defenses_idle == "relaxloss (1 of 2 runs)"
