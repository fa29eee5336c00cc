"""Dirac canaries in DP-SGD's step (`PrivateSteps`): the white-box one-run audit stays below
the accountant's ε on the real mechanism and catches planted bugs (noise /10, no clipping)."""

from __future__ import annotations

import pytest
import torch

import mia_defense.defenses.dp_stacked as private
from mia_defense.audit import CANARY_SIZE, DiracCanaryAudit
from mia_defense.defenses.dp_mechanism import RandomSource, gaussian_noise
from mia_defense.defenses.dp_stacked import PrivateSteps, gradient_canaries
from mia_defense.errors import ConfigError
from mia_defense.metrics.one_run_audit import one_run_bound

DELTA = 1e-6
MEMBERS, BATCH = 500, 50  # q = 0.1, E[B] = 50


def _steps(seed: int, *, models: int, sigma: float, clip: float = 1.0) -> PrivateSteps:
    return PrivateSteps(
        sizes=[MEMBERS] * models, batch_size=BATCH, sigma=sigma, max_grad_norm=clip,
        deltas=[DELTA] * models, accountant="rdp",
        sources=[RandomSource.seeded(torch.Generator().manual_seed(1000 * seed + k))
                 for k in range(models)],
    )  # fmt: skip


def _audit(
    seed: int, *, sigma: float = 2.0, steps: int = 200, models: int = 8, canaries: int = 500,
    clip: float = 1.0,
) -> tuple[float, float]:
    """The accountant's ε and the white-box bound of ``steps`` DP-SGD steps whose members'
    clipped sums are random (the auditor subtracts them, as it knows the other records)."""
    audit = DiracCanaryAudit(num=canaries, seed=seed)
    with gradient_canaries(audit):
        dp = _steps(seed, models=models, sigma=sigma, clip=clip)
    data = torch.Generator().manual_seed(seed)
    counted = torch.ones(models, dtype=torch.bool)
    for _ in range(steps):
        sums = {"w": clip * torch.randn(models, 2000, generator=data)}  # members' clipped sums
        dp.noisy_grads(sums, ["w"], counted)
    record = audit.scores()
    assert record.models == models and len(record.scores) == models * canaries
    bound = one_run_bound(record.scores, record.included, delta=DELTA, confidence=0.95)
    return dp.epsilon(0), bound.epsilon


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_bound_stays_below_the_accountants_epsilon_on_the_real_mechanism(seed):
    accountant, bound = _audit(seed)
    assert accountant == pytest.approx(4.118, abs=0.01)
    assert 0.5 < bound <= accountant  # it finds something, never more than ε


def test_noise_scaled_down_tenfold_is_caught(monkeypatch):
    def weak_noise(numel, std, source, *, device="cpu"):
        return gaussian_noise(numel, std / 10, source, device=device)

    monkeypatch.setattr(private, "gaussian_noise", weak_noise)
    accountant, bound = _audit(0)
    assert bound > accountant  # the accountant claims 4.1 for σ = 2; σ = 0.2 ran


def test_clipping_switched_off_is_caught(monkeypatch):
    monkeypatch.setattr(
        private, "_clip_factors", lambda squared, valid, max_grad_norm: valid.to(squared.dtype)
    )
    accountant, bound = _audit(0)
    assert bound > accountant  # canaries of norm 10 C went through whole


def test_canaries_enter_clipped_at_their_coordinates_only():
    audit = DiracCanaryAudit(num=300, seed=0)
    with gradient_canaries(audit):
        dp = _steps(0, models=2, sigma=0.0)
    out = dp.noisy_grads({"w": torch.zeros(2, 1000)}, ["w"], torch.ones(2, dtype=torch.bool))
    chunk = audit.chunks[0]
    grads, coords = out["w"], chunk.coordinates
    assert len(set(coords.tolist())) == 300
    at = grads[:, coords]
    assert torch.all(at[~chunk.included] == 0)  # excluded canaries never enter
    # each drawn canary (raw norm 10 C) adds C / E[B] once, clipped
    drawn = at[chunk.included]
    assert torch.all((drawn == 0) | torch.isclose(drawn, torch.tensor(1 / BATCH)))
    assert 0 < int((drawn > 0).sum()) < len(drawn) and CANARY_SIZE > 1
    others = torch.ones(1000, dtype=torch.bool)
    others[coords] = False
    assert torch.all(grads[:, others] == 0)


def test_outside_the_audit_dp_sgd_has_no_canaries_and_the_same_noise():
    dp = _steps(5, models=2, sigma=1.0)
    sums = {"w": torch.ones(2, 100)}
    out = dp.noisy_grads(sums, ["w"], torch.ones(2, dtype=torch.bool))
    assert dp.canaries is None
    reference = [RandomSource.seeded(torch.Generator().manual_seed(5000 + k)) for k in range(2)]
    expected = torch.stack([1 + gaussian_noise(100, 1.0, s) for s in reference]) / BATCH
    assert torch.allclose(out["w"], expected)


def test_more_canaries_than_parameters_is_refused():
    audit = DiracCanaryAudit(num=50, seed=0)
    with gradient_canaries(audit):
        dp = _steps(0, models=1, sigma=1.0)
    with pytest.raises(ConfigError, match=(
        r"attack.audit_gradient_canaries=50: more than the model's 20 parameters \(each "
        r"canary needs its own coordinate\); lower it"
    )):  # fmt: skip
        dp.noisy_grads({"w": torch.zeros(1, 20)}, ["w"], torch.ones(1, dtype=torch.bool))


@pytest.mark.parametrize("clip", [1e-9, 1e-5])
def test_a_tiny_clipping_norm_still_gets_canaries_of_size_c(clip):
    """The clip factor C / (norm + 1e-6) brought a canary of raw size 10 C to C/101 at
    C = 1e-9, so the audit (which scores a canary of size C) found nothing."""
    audit = DiracCanaryAudit(num=300, seed=0)
    with gradient_canaries(audit):
        dp = _steps(0, models=2, sigma=0.0, clip=clip)
    out = dp.noisy_grads({"w": torch.zeros(2, 1000)}, ["w"], torch.ones(2, dtype=torch.bool))
    drawn = out["w"][:, audit.chunks[0].coordinates][audit.chunks[0].included]
    assert (drawn > 0).any()
    assert torch.allclose(drawn[drawn > 0], torch.tensor(clip / BATCH), rtol=1e-5, atol=0)
    accountant, bound = _audit(0, clip=clip)
    assert 0.5 < bound <= accountant  # as strong as at C = 1
