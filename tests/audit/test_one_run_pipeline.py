"""``attack.audit=one_run`` through the real entry point: the audit runs in the same training
run, results.json and the printed summary put its bounds beside the accountant's ε."""

from __future__ import annotations

import numpy as np
import pytest

import mia_defense.defenses.dp_stacked as private
from mia_defense.cli.build import format_table
from mia_defense.cli.train import run
from mia_defense.defenses.dp_mechanism import gaussian_noise
from mia_defense.errors import ConfigError
from mia_defense.metrics.one_run_audit import one_run_bound
from mia_defense.tracking import load_npz, read_json

FAST = ("attack.bootstrap=0", "attack.queries.num_augmented=0", "~attack.attacks.shokri",
        "~attack.attacks.rmia", "attack.audit=one_run", "attack.audit_canaries=20",
        "attack.audit_gradient_canaries=200")  # fmt: skip


def test_a_dp_run_reports_both_bounds_beside_the_accountants_epsilon(make_cfg, tmp_path):
    cfg = make_cfg("defense=dp", "defense.dp.delta=1e-6", *FAST)
    result = run(cfg, tmp_path)
    privacy = read_json(tmp_path / "results.json")["privacy"]
    audit = privacy["audit"]
    assert audit["accountant_epsilon"] == privacy["epsilon"] and audit["delta"] == 1e-6
    assert audit["confidence"] == 0.95 and audit["method"].startswith("one_run (Steinke")
    white, black = audit["white_box"], audit["black_box"]
    assert white["canaries"] == 4 * 200 and white["models"] == 4
    assert black["canaries"] == 4 * 20
    for entry in (white, black):
        assert 0 <= entry["epsilon"] <= privacy["epsilon"]
        assert 0 < entry["correct"] <= entry["guesses"] == entry["guessed_in"] + entry[
            "guessed_out"]
    # audit.npz recomputes each bound
    arrays = load_npz(tmp_path / "audit.npz")
    again = one_run_bound(arrays["white_box/scores"], arrays["white_box/included"],
                          delta=1e-6)  # fmt: skip
    assert again.epsilon == pytest.approx(white["epsilon"])
    assert arrays["black_box/scores"].shape == arrays["black_box/included"].shape == (4, 20)
    # the audit's input canaries are the last population records, Bernoulli members
    obs = load_npz(tmp_path / "observations.npz")
    assert np.array_equal(obs["masks"][:, -20:], arrays["black_box/included"])
    assert obs["is_canary"][-20:].all() and not obs["is_canary"][:-20].any()
    table = format_table(result, [0.001])
    assert f"one-run audit, white-box: ε >= {white['epsilon']:.3f} (accountant ε" in table
    assert "one-run audit, black-box: ε >= " in table


def _broken_run(make_cfg, tmp_path) -> dict:
    cfg = make_cfg("defense=dp", "defense.dp.delta=1e-6", "defense.dp.target_epsilon=2",
                   *FAST[:-1], "attack.audit_gradient_canaries=500")  # fmt: skip
    run(cfg, tmp_path)
    return read_json(tmp_path / "results.json")["privacy"]


def test_a_training_run_with_a_tenth_of_the_noise_is_caught(make_cfg, tmp_path, monkeypatch):
    """The planted bug: DP-SGD adds σC/10 while the accountant reports ε = 2 for σC."""
    def weak_noise(numel, std, source, *, device="cpu"):
        return gaussian_noise(numel, std / 10, source, device=device)

    monkeypatch.setattr(private, "gaussian_noise", weak_noise)
    privacy = _broken_run(make_cfg, tmp_path)
    assert privacy["epsilon"] == pytest.approx(2.0, abs=0.01)
    assert privacy["audit"]["white_box"]["epsilon"] > privacy["epsilon"]  # measured 4.2


def test_a_training_run_without_clipping_is_caught(make_cfg, tmp_path, monkeypatch):
    monkeypatch.setattr(
        private, "_clip_factors", lambda squared, valid, max_grad_norm: valid.to(squared.dtype)
    )
    privacy = _broken_run(make_cfg, tmp_path)
    assert privacy["audit"]["white_box"]["epsilon"] > privacy["epsilon"]


def test_without_dp_sgd_the_white_box_audit_says_why_it_did_not_run(make_cfg, tmp_path):
    run(make_cfg(*FAST), tmp_path)
    audit = read_json(tmp_path / "results.json")["privacy"]["audit"]
    assert audit["accountant_epsilon"] is None and audit["delta"] == 1e-5
    assert "no DP-SGD step of the stacked engine ran" in audit["white_box"]["skipped"]
    assert "epsilon" in audit["black_box"]


def test_without_the_audit_nothing_changes(make_cfg, tmp_path):
    run(make_cfg("defense=dp", "attack.bootstrap=0", "attack.queries.num_augmented=0",
                 "~attack.attacks.shokri", "~attack.attacks.rmia"), tmp_path)  # fmt: skip
    assert "audit" not in read_json(tmp_path / "results.json")["privacy"]
    assert not (tmp_path / "audit.npz").exists()
    assert not load_npz(tmp_path / "observations.npz")["is_canary"].any()


def test_an_unknown_audit_is_refused_before_the_run_starts(make_cfg, tmp_path):
    with pytest.raises(ConfigError, match=r"attack.audit='twice'.*one_run"):
        run(make_cfg("attack.audit=twice"), tmp_path / "run")
    assert not (tmp_path / "run").exists()
