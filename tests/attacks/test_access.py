"""Each attack declares its access; only black-box attacks decide a run's verdict."""

from __future__ import annotations

import functools
import time

import numpy as np
import pytest
from hydra import compose, initialize_config_module
from hydra.utils import instantiate

from mia_defense.attacks import access_of, gradient_norm, loss_attack, requires_access, rmia
from mia_defense.attacks.base import WHITE_BOX
from mia_defense.attacks.runner import (
    EvaluationConfig,
    check_attacks,
    evaluate,
    run_attacks,
    strongest,
)
from mia_defense.cli.train import format_table, run
from mia_defense.errors import ConfigError
from mia_defense.report import write_report
from mia_defense.report.checks import payload_problem
from mia_defense.report.objectives import objective
from mia_defense.tracking import read_json, write_json
from tests.attacks.synthetic import full_observations
from tests.report.fake_runs import make_run

PACKAGED_ACCESS = {"label_only": "label", "gradient_norm": "weights"}  # others: outputs


def _user_attack(obs, targets):
    """A user's `_target_` attack that declares nothing."""
    return loss_attack(obs, targets)


@requires_access("weights")
def _oracle(obs, targets):
    """A white-box attack that cannot be beaten: it returns the truth."""
    return obs.masks[targets].astype(np.float64)


def test_every_packaged_attack_declares_its_access_through_hydra():
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config")
    attacks = {name: instantiate(node) for name, node in cfg.attack.attacks.items()}
    assert all(isinstance(a, functools.partial) for a in attacks.values())
    assert {name: access_of(a) for name, a in attacks.items()} == {
        name: PACKAGED_ACCESS.get(name, "outputs") for name in attacks
    }


def test_user_attacks_default_to_released_outputs_and_may_declare_more():
    assert access_of(_user_attack) == "outputs"
    assert access_of(functools.partial(_user_attack)) == "outputs"
    assert access_of(functools.partial(_oracle)) == "weights"
    assert access_of(functools.wraps(_oracle)(lambda obs, t: _oracle(obs, t))) == "weights"
    with pytest.raises(ValueError, match=r"unexpected access 'root', choose from"):
        requires_access("root")


def test_check_attacks_refuses_a_bad_access_and_a_set_without_black_box_attack():
    def bad(obs, targets):
        return loss_attack(obs, targets)

    bad.access = "root"  # type: ignore[attr-defined]
    kwargs = {"num_models": 4, "num_classes": 3, "targets": np.arange(4)}
    with pytest.raises(ConfigError, match=r"^attack\.attacks\.bad: attack declares access 'root'"):
        check_attacks({"loss": loss_attack, "bad": bad}, **kwargs)
    with pytest.raises(ConfigError, match=r"gradient_norm, oracle all read the models' weights"):
        check_attacks({"gradient_norm": gradient_norm, "oracle": _oracle}, **kwargs)
    check_attacks({"gradient_norm": gradient_norm, "user": _user_attack}, **kwargs)


def test_a_perfect_white_box_attack_never_becomes_the_strongest():
    obs = full_observations(signal=1.0, num_models=4, num_samples=300)
    results = run_attacks(
        obs, {"loss": loss_attack, "rmia": rmia, "oracle": _oracle}, targets=np.arange(4)
    )
    assert {n: r.access for n, r in results.items()} == {
        "loss": "outputs", "rmia": "outputs", "oracle": "weights"
    }
    assert results["oracle"].metrics.tpr_at_fpr[0.001] == 1.0
    black_box = max(("loss", "rmia"), key=lambda n: (results[n].metrics.tpr_at_fpr[0.001],
                                                     results[n].metrics.auc))
    assert strongest(results, 0.001) == black_box
    assert strongest(results, 0.001, access=WHITE_BOX) == "oracle"
    assert strongest({"oracle": results["oracle"]}, 0.001) is None
    assert results["rmia"].chosen["a"].shape == (4,)  # RMIA's a, one per target


def _with_white_box(run_dir, payload, tpr):
    """Add a white-box attack reaching ``tpr`` at 0.1% FPR to a fake run."""
    for metrics in payload["attacks"].values():
        metrics["access"] = "outputs"
    payload["attacks"]["gradient_norm"] = {
        "access": "weights", "auc": 0.99, "advantage": 0.9, "seconds": 0.01,
        "tpr@10%fpr": 0.99, "tpr@1%fpr": 0.95, "tpr@0.1%fpr": tpr,
    }  # fmt: skip
    payload["strongest_white_box_attack"] = "gradient_norm"
    write_json(run_dir / "results.json", payload)
    return payload


def test_the_pareto_front_ignores_white_box_attacks(tmp_path):
    """A (top-1 release, little black-box leak) and B (more accurate, leakier): both on
    the front. Counting A's white-box attack (TPR 0.9) would put A behind B."""
    root = tmp_path / "sweep"
    a = make_run(root / "x=a", test_accuracy=0.90, signal=0.3, release="topk", seed=1)
    b = make_run(root / "x=b", test_accuracy=0.92, signal=3.0, seed=2)
    a = _with_white_box(root / "x=a", a, tpr=0.9)
    black_box_a = max(m["tpr@0.1%fpr"] for m in a["attacks"].values() if m["access"] != "weights")
    assert black_box_a < b["attacks"]["lira"]["tpr@0.1%fpr"] < 0.9
    assert objective(a, "max_attack.tpr@0.1%fpr") == black_box_a
    assert objective(b, "max_attack.tpr@0.1%fpr") == max(
        m["tpr@0.1%fpr"] for m in b["attacks"].values()
    )  # no access recorded: the released outputs
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    names = [s.name for s in report.summaries]
    assert sorted(names[i] for i in report.front) == ["x=a", "x=b"]
    summary = report.summaries[names.index("x=a")]
    assert summary.leak_tpr == black_box_a and summary.strongest_attack in ("loss", "lira")
    assert summary.attacks["gradient_norm"]["tpr@0.1%fpr"] == 0.9  # still in its own column
    assert read_json(root / "x=a" / "results.json") == a  # nothing on disk changed


def test_a_results_json_with_an_unknown_access_is_not_trusted(tmp_path):
    payload = make_run(tmp_path / "r", test_accuracy=0.9, signal=1.0)
    payload["attacks"]["loss"]["access"] = "root"
    assert payload_problem(payload) == (
        "attacks.loss.access is 'root', not one of ('label', 'outputs', 'weights')"
    )


def test_label_only_release_run_reports_white_box_apart(make_cfg, tmp_path):
    """A label-only release: every black-box attack sees one-hot outputs, gradient_norm the
    weights. The verdict comes from the black-box attacks; gradient_norm has its own line."""
    cfg = make_cfg("release=label_only", "attack.bootstrap=0", "~attack.attacks.shokri",
                   "attack.queries.num_augmented=2")
    result = run(cfg, tmp_path)
    payload = read_json(tmp_path / "results.json")
    access = {name: m["access"] for name, m in payload["attacks"].items()}
    assert access["gradient_norm"] == "weights" and access["label_only"] == "label"
    assert access["loss"] == access["rmia"] == "outputs"
    assert payload["strongest_white_box_attack"] == "gradient_norm"
    best = payload["strongest_attack"]
    assert access[best] in ("label", "outputs")
    tpr = payload["attacks"][best]["tpr@0.1%fpr"]
    assert tpr == max(m["tpr@0.1%fpr"] for m in payload["attacks"].values()
                      if m["access"] != "weights")
    assert objective(payload, "max_attack.tpr@0.1%fpr") == tpr
    assert payload["headline"]["privacy/strongest_tpr@0.1%fpr"] == tpr
    assert "privacy/strongest_white_box_tpr@0.1%fpr" in payload["headline"]
    table = format_table(result, [0.001, 0.01, 0.1])
    assert (f"strongest attack at 0.1% FPR: {best} (TPR {tpr:.4f}" in table if tpr > 0 else
            f"strongest attack at 0.1% FPR: none, every black-box attack's TPR there is "
            f"0.0000; its figures are {best}'s" in table)  # fmt: skip
    assert "strongest white-box attack at 0.1% FPR: gradient_norm" in table
    assert any(line.startswith("gradient_norm") and " weights " in line
               for line in table.splitlines())


def test_metrics_computed_beside_the_next_attack_match_one_at_a_time_and_raise_their_errors():
    obs = full_observations(signal=1.0, num_models=4, num_samples=300)
    attacks = {"loss": loss_attack, "rmia": rmia, "oracle": _oracle}
    evaluation = EvaluationConfig(bootstrap=20)
    results = run_attacks(obs, attacks, targets=np.arange(4), evaluation=evaluation)
    assert list(results) == list(attacks)
    truth = obs.masks[np.arange(4)]
    for name, result in results.items():
        alone = evaluate(name, result.scores, truth, targets=np.arange(4), config=evaluation)
        assert result.metrics.auc == alone.metrics.auc
        assert result.intervals == alone.intervals
        assert result.epsilon_lower_bound == alone.epsilon_lower_bound
    with pytest.raises(ValueError, match=r"confidence=1\.5: must be a number in \(0, 1\)"):
        run_attacks(obs, attacks, targets=np.arange(4),
                    evaluation=EvaluationConfig(bootstrap=20, confidence=1.5))


@pytest.mark.slow  # several runs or a subprocess (1.5-3 s): make test-slow
def test_an_attack_that_fails_drops_the_metrics_still_queued(monkeypatch):
    import mia_defense.attacks.runner as runner

    evaluated: list[str] = []
    evaluate_all = runner._evaluate_all

    def slow_first(name, *args, **kwargs):
        evaluated.append(name)
        if len(evaluated) == 1:
            time.sleep(2.0)  # the failing attack raises while this runs and "b" waits
        return evaluate_all(name, *args, **kwargs)

    def fails(obs, targets):
        raise RuntimeError("attack failed")

    monkeypatch.setattr(runner, "_evaluate_all", slow_first)
    obs = full_observations(signal=1.0, num_models=4, num_samples=100)
    # a user's attack (this module's): its failure is a ConfigError naming it
    with pytest.raises(ConfigError, match=r"attack\.attacks\.boom: the attack raised "
                       r"RuntimeError: attack failed"):
        run_attacks(obs, {"a": loss_attack, "b": loss_attack, "boom": fails},
                    targets=np.arange(4))
    assert evaluated == ["a"]
