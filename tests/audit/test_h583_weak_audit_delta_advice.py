"""A one-run audit too weak to test the accountant's ε is advised to lower DP-SGD's δ only
where that alone would let it: mia-train dataset=breast_cancer defense=dp
defense.dp.delta=1e-6 attack.audit=one_run attack.white_box=true attack.audit_canaries=0
attack.audit_gradient_canaries=1 was told 'lower defense.dp.delta (e.g. 1e-6)' at δ 1e-6,
with 2 pairs no δ lets show any ε (h583)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.audit import AuditConfig, audit_report
from mia_defense.audit.one_run import delta_term_note
from mia_defense.observations import Observations


def _block(tmp_path, *, canaries: int, delta: float, epsilon: float = 8.0):
    rng = np.random.default_rng(0)
    probs = rng.uniform(0.05, 0.95, size=(2, canaries, 2))
    probs /= probs.sum(axis=2, keepdims=True)
    obs = Observations(log_probs=np.log(probs).astype(np.float32),
                       labels=rng.integers(0, 2, canaries), masks=rng.random((2, canaries)) < 0.5)
    audit = AuditConfig(kind="one_run", canaries=canaries, white_box=False)
    return audit_report(audit, obs=obs, white_box=None, confidence=0.95, run_dir=tmp_path,
                        privacy={"epsilon": epsilon, "delta": delta})["black_box"]


@pytest.mark.parametrize(("canaries", "delta"), [(10, 1e-6), (10, 1e-5), (1, 1e-3)])
def test_no_delta_advice_where_lowering_it_cannot_help(tmp_path, canaries, delta):
    weak = _block(tmp_path, canaries=canaries, delta=delta)["weak"]
    assert "defense.dp.delta" not in weak
    assert weak.endswith("add canaries while 2·m·δ stays well below 1 (attack.audit_canaries, "
                         "attack.audit_gradient_canaries)")


def test_the_delta_advice_stays_where_a_lower_delta_tests_the_claim(tmp_path):
    # 2000 pairs at δ 1e-3 can show nothing (2·m·δ = 4); at δ 1e-6 up to ε >= 4.9
    weak = _block(tmp_path, canaries=1000, delta=1e-3, epsilon=3.0)["weak"]
    assert "bound says nothing of privacy; lower defense.dp.delta (e.g. 1e-6), or add " in weak


def test_the_delta_term_note_does_not_advise_the_delta_it_has():
    key = "attack.audit_gradient_canaries"
    at_suggested = delta_term_note(models=2, per_model=400_000, key=key, delta=1e-6,
                                   dp_delta=True)
    assert at_suggested is not None and at_suggested.endswith(f"keep {key} at most 250000")
    above = delta_term_note(models=2, per_model=400, key=key, delta=1e-3, dp_delta=True)
    assert above is not None and above.endswith("at most 250 or lower defense.dp.delta (e.g. 1e-6)")
