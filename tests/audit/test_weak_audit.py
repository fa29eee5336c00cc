"""An audit too small to refute the accountant's ε says so, rather than letting its low
bound read as evidence of privacy."""

from __future__ import annotations

import numpy as np

from mia_defense.audit import AuditConfig, audit_lines, audit_report
from mia_defense.metrics.one_run_audit import one_run_bound, one_run_ceiling
from mia_defense.observations import Observations


def _obs(k: int, m: int, *, seed: int = 0) -> Observations:
    rng = np.random.default_rng(seed)
    probs = rng.uniform(0.05, 0.95, size=(k, m, 2))
    probs /= probs.sum(axis=2, keepdims=True)
    return Observations(log_probs=np.log(probs).astype(np.float32),
                        labels=rng.integers(0, 2, m), masks=rng.random((k, m)) < 0.5)


def test_the_ceiling_is_the_bound_of_perfect_guesses():
    for m, delta in ((400, 1e-6), (4000, 1e-4)):
        truth = np.arange(m) % 2 == 0
        perfect = one_run_bound(truth.astype(float), truth, delta=delta)
        assert one_run_ceiling(m, delta=delta) >= perfect.epsilon > 0
    assert one_run_ceiling(4, delta=1e-4) == 0.0  # 4 pairs can prove nothing at 95%


def test_an_audit_that_cannot_reach_the_claimed_epsilon_says_so(tmp_path):
    audit = AuditConfig(kind="one_run", canaries=5, white_box=False)
    privacy = {"epsilon": 8.0, "delta": 1e-5}
    block = audit_report(audit, obs=_obs(4, 5), white_box=None, privacy=privacy,
                         confidence=0.95, run_dir=tmp_path)  # fmt: skip
    black = block["black_box"]
    assert black["max_epsilon"] == one_run_ceiling(20, delta=1e-5) < 8.0
    assert "too weak to test the accountant's ε 8" in black["weak"]
    assert "attack.audit_canaries" in black["weak"]
    lines = audit_lines({"audit": block})
    assert any("black-box: too weak to test" in line for line in lines)


def test_an_audit_that_could_reach_the_claim_or_a_run_without_one_is_not_weak(tmp_path):
    audit = AuditConfig(kind="one_run", canaries=5, white_box=False)
    for epsilon in (0.01, float("inf"), None):
        privacy = {"epsilon": epsilon, "delta": 1e-5}
        block = audit_report(audit, obs=_obs(4, 5), white_box=None, privacy=privacy,
                             confidence=0.95, run_dir=tmp_path)  # fmt: skip
        assert "weak" not in block["black_box"], epsilon


def test_an_audit_of_a_run_without_an_accountant_says_how_little_it_could_show(tmp_path):
    # an undefended run: 'ε >= 0.000' on 4 pairs read as a finding, though results.json's
    # max_epsilon (0: 4 pairs prove nothing) says no run, however leaky, could show more
    audit = AuditConfig(kind="one_run", canaries=1, white_box=False)
    block = audit_report(audit, obs=_obs(4, 1), white_box=None,
                         privacy={"epsilon": None, "delta": None},
                         confidence=0.95, run_dir=tmp_path)  # fmt: skip
    assert block["black_box"]["max_epsilon"] == 0.0 and "weak" not in block["black_box"]
    line, note = audit_lines({"audit": block})[1:]
    assert line.startswith("one-run audit, black-box: ε >= 0.000 (no accountant")
    assert note == ("  (black-box: could show at most ε >= 0 with m=4 pairs at δ 1e-05 (every "
                    "guess right), below 1: a low bound is no evidence of privacy; add "
                    "canaries while 2·m·δ stays well below 1 (attack.audit_canaries, "
                    "attack.audit_gradient_canaries))")  # fmt: skip


def test_an_audit_that_could_show_a_large_epsilon_gets_no_note_without_a_claim(tmp_path):
    audit = AuditConfig(kind="one_run", canaries=200, white_box=False)
    block = audit_report(audit, obs=_obs(4, 200), white_box=None,
                         privacy={"epsilon": None, "delta": 1e-6},
                         confidence=0.95, run_dir=tmp_path)  # fmt: skip
    assert block["black_box"]["max_epsilon"] > 1.0
    assert len(audit_lines({"audit": block})) == 2  # white-box skipped, black-box: no note
