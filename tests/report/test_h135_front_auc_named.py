"""The front's AUC, beside the strongest attack's TPR, says it is the highest of any black-box
attack, not the strongest attack's (results.json's privacy/strongest_auc, TensorBoard's
'AUC (strongest attack)').

Measured (mia-report of a digits sweep, K=4, 3 epochs): the undefended row's front line read
'TPR@0.1%FPR 0.0055 [...]  AUC 0.554 [...]' under 'strongest attack's TPR@0.1%FPR'; the
strongest attack (lira_online_augmented) has AUC 0.512, as TensorBoard shows it; 0.554 is
lira_offline's.
"""

from __future__ import annotations

from mia_defense.cli.report import main as report_main
from tests.report.fake_runs import make_run

SAID = (
    "AUC is the highest of any black-box attack, not always that of the attack strongest at "
    "0.1% FPR (results.json's privacy/strongest_auc, TensorBoard's 'AUC (strongest attack)')."
)


def test_the_front_says_its_auc_is_the_highest_of_any_attack(tmp_path, capsys):
    root = tmp_path / "sweep"
    payload = make_run(root / "defense=none", test_accuracy=0.9, signal=2.0)
    aucs = {name: m["auc"] for name, m in payload["attacks"].items()}
    out_dir = tmp_path / "out"
    assert report_main([str(root), "-o", str(out_dir), "--no-charts", "--no-tensorboard"]) == 0
    printed = capsys.readouterr().out
    front = [line for line in printed.splitlines() if line.startswith("  1. ")]
    assert f"AUC {max(aucs.values()):.3f}" in front[0]
    assert SAID in printed.splitlines()
    assert SAID in (out_dir / "README.md").read_text()
