"""An attacker weakened from the command line, for every run of a sweep, went unsaid: the
report gives runs attacked otherwise fronts of their own, but a sweep attacked alike by
``loss`` alone (``~attack.attacks.lira_online`` ... all the reference-model attacks
removed) or with ``attack.shadow_recipe=undefended`` (shadow models without the run's
defenses: a naive attacker) had one front, ranked with no caveat (measured: digits,
plan.num_models=4, train.epochs=2, TPR@0.1%FPR 0.001 of the loss attack alone). Such runs are
now read with care, the caveat saying why."""

from __future__ import annotations

import pytest

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results

LOSS, LIRA = "mia_defense.attacks.loss_attack", "mia_defense.attacks.lira"


def _noted(root, start):
    """Whether a caveat of the run ``run`` under ``root`` starts with ``start``."""
    return any(r.name == "run" and note.startswith(start) for r, note in load_runs([root]).caveats)


@pytest.mark.parametrize(("targets", "noted"), [
    ({"loss": LOSS, "lira": "mia_defense.attacks.threshold_attack"}, True),
    ({"loss": LOSS, "lira": LIRA}, False),
    ({"loss": LOSS, "lira": "mia_defense.attacks.rmia"}, False),
    ({"loss": LOSS}, False),  # (lira's _target_ unrecorded: nothing tells)
    ({"loss": LOSS, "lira": "my_attacks.strong"}, False),  # (one of your own: nor here)
])  # fmt: skip
def test_a_run_attacked_by_no_lira_or_rmia_is_read_with_care(tmp_path, targets, noted):
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.8, signal=0.3)
    rewrite_results(run, lambda p: p["config"]["attack"].update(
        attacks={name: {"_target_": t, "_partial_": True} for name, t in targets.items()}))
    assert _noted(tmp_path, "no LiRA or RMIA among its black-box attacks (loss, lira; "
                  "attack.attacks)") is noted  # fmt: skip


@pytest.mark.parametrize(("defense", "noted"), [("label_smoothing", True), ("none", False)])
def test_a_naive_attacker_of_a_defended_run_is_read_with_care(tmp_path, defense, noted):
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.8, signal=0.3, defense=defense)

    def naive(payload):
        payload["defense"]["shadow_recipe"] = "undefended"
        payload["config"]["attack"]["shadow_recipe"] = "undefended"

    rewrite_results(run, naive)
    assert [r.name for r in load_runs([tmp_path]).runs] == ["run"]
    assert _noted(tmp_path, "its attacks' shadow and reference models were trained without "
                  "its defenses (label_smoothing; attack.shadow_recipe=undefended)") is noted
