"""Release mechanisms transform outputs as documented, and every attack runs on each."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hydra.utils import instantiate

from mia_defense.attacks.runner import run_attacks
from mia_defense.cli.train import run
from mia_defense.defenses import (
    FullRelease,
    LabelOnlyRelease,
    NoiseRelease,
    RoundingRelease,
    TemperatureRelease,
    TopKRelease,
)
from mia_defense.defenses.release import Release
from mia_defense.errors import ConfigError
from mia_defense.observations import Observations
from tests.helpers import synthetic_observations

RELEASES = ["full", "topk", "rounding", "label_only", "noise", "temperature"]


def _logits(seed: int = 0) -> torch.Tensor:
    return torch.randn(50, 10, generator=torch.Generator().manual_seed(seed)) * 3


def test_topk_keeps_the_k_largest_values_unchanged():
    logits = _logits()
    full = torch.log_softmax(logits, -1)
    out = TopKRelease(k=3)(logits)
    kept = torch.isfinite(out)
    assert (kept.sum(-1) == 3).all()
    assert torch.equal(kept, full >= full.topk(3, -1).values[:, -1:])
    assert torch.allclose(out[kept], full[kept])
    renormalised = TopKRelease(k=3, renormalize=True)(logits)
    assert torch.allclose(renormalised.exp().sum(-1), torch.ones(50))


def test_rounding_rounds_the_probabilities():
    out = RoundingRelease(decimals=1)(_logits())
    probs = out.exp().double()
    assert torch.allclose(probs, torch.round(probs, decimals=1), atol=1e-6)
    assert torch.isneginf(out).any()  # small probabilities round to 0 and are withheld


def test_rounding_always_answers_a_label_and_keeps_nan_as_nan():
    # 100 unsure classes at 1 decimal, or any top probability below 0.5 at 0 decimals: every
    # probability rounds to 0; the top class stays, at the smallest value the rounding shows
    unsure = torch.randn(20, 100, generator=torch.Generator().manual_seed(0)) * 0.1
    for decimals, logits in ((1, unsure), (0, _logits())):
        out = RoundingRelease(decimals=decimals)(logits)
        assert torch.isfinite(out).any(-1).all()
        assert torch.equal(out.argmax(-1), logits.argmax(-1))
    out = RoundingRelease(decimals=1)(unsure)
    top = out.exp().max(-1).values.double()
    assert torch.allclose(top, torch.full((20,), 0.1, dtype=torch.float64))
    # a diverged model's NaN is not hidden behind a label: the run stops as diverged
    nan_row = torch.tensor([[float("nan"), 0.0, 0.0]])
    assert torch.isnan(RoundingRelease(decimals=0)(nan_row)).all()


def test_a_run_at_zero_decimals_finishes_with_a_verdict(make_cfg, tmp_path):
    # used to stop as "training diverged ... lower the learning rate" (the release, not
    # training, gave outputs that withhold every class)
    result = run(make_cfg("release=rounding", "release.decimals=0", "train.epochs=1",
                          "attack.bootstrap=0", "~attack.attacks.shokri"), tmp_path)
    assert result.strongest_attack is not None and not result.utility_below_chance


def test_label_only_keeps_no_scores():
    logits = _logits()
    out = LabelOnlyRelease()(logits)
    assert set(out.unique().tolist()) == {0.0, -math.inf}
    assert torch.equal(out.argmax(-1), logits.argmax(-1))
    assert ((out == 0).sum(-1) == 1).all()


def test_noise_is_seeded_normalised_and_changes_the_scores():
    logits = _logits()
    release = NoiseRelease(scale=0.1)
    a = release(logits, torch.Generator().manual_seed(1))
    b = release(logits, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    assert torch.allclose(a.exp().sum(-1), torch.ones(50), atol=1e-5)
    assert not torch.allclose(a, FullRelease()(logits))
    laplace = NoiseRelease(scale=0.1, distribution="laplace")(logits, torch.Generator())
    assert torch.allclose(laplace.exp().sum(-1), torch.ones(50), atol=1e-5)


def test_temperature_flattens_but_keeps_the_label():
    logits = _logits()
    out = TemperatureRelease(temperature=4.0)(logits)
    assert torch.equal(out.argmax(-1), logits.argmax(-1))
    assert (out.max(-1).values < FullRelease()(logits).max(-1).values).all()


def test_bad_settings_name_the_key():
    with pytest.raises(ConfigError, match=r"release\.k=0"):
        TopKRelease(k=0)
    with pytest.raises(ConfigError, match=r"release\.distribution='uniform'"):
        NoiseRelease(distribution="uniform")


@pytest.mark.parametrize("name", RELEASES)
def test_every_attack_runs_on_each_release(make_cfg, name):
    cfg = make_cfg(f"release={name}")
    release = instantiate(cfg.release)
    attacks = {key: instantiate(spec) for key, spec in cfg.attack.attacks.items()}
    base = synthetic_observations(num_models=8, num_samples=200, signal=3.0)
    released = release(torch.as_tensor(base.log_probs), torch.Generator().manual_seed(0))
    obs = Observations(log_probs=released.numpy(), labels=base.labels, masks=base.masks)
    results = run_attacks(obs, attacks, targets=np.arange(8), fprs=(0.1, 0.01))
    # gradient_norm is white-box: it needs the models' gradients, which hand-made
    # observations do not have, so the runner skips it, as it skips the augmented LiRA
    # without augmented queries (rather than repeat lira_online's numbers under its name).
    assert set(results) == set(attacks) - {"gradient_norm", "lira_online_augmented"}
    for result in results.values():
        assert np.isfinite(result.scores).all()
        assert 0.0 <= result.metrics.auc <= 1.0
    if name == "label_only":  # only two loss values are left to threshold on
        assert len(np.unique(results["loss"].scores)) == 2


def test_label_only_run_measures_utility_on_released_labels(make_cfg, tmp_path, tiny_run):
    full = tiny_run.result  # the same config with the full release
    labels = run(make_cfg("release=label_only"), tmp_path / "label_only")
    # same seed, same models: the argmax (utility) is unchanged, the confidence is gone
    assert labels.utility["test_accuracy"] == full.utility["test_accuracy"]
    assert labels.defense["release"] == "label_only"
    saved = np.load(tmp_path / "label_only" / "observations.npz")["log_probs"]
    assert set(np.unique(saved).tolist()) == {0.0, -np.inf}


@pytest.mark.parametrize("temperature", [1e-30, 1e-300, 1e-320])
def test_a_tiny_temperature_releases_the_label_not_nan(temperature):
    """1/temperature overflows float32: the release is then the argmax, log-probability 0,
    and -inf elsewhere (the run used to stop with 'training diverged')."""
    logits = _logits()
    out = TemperatureRelease(temperature=temperature)(logits)
    assert not out.isnan().any() and out.dtype == torch.float32
    assert torch.equal(out.argmax(-1), logits.argmax(-1))
    assert torch.equal(out.max(-1).values, torch.zeros(len(logits)))
    assert torch.equal(TemperatureRelease(temperature=0.5)(logits),
                       torch.log_softmax(logits.float() / 0.5, dim=-1))


class _ProbabilitiesRelease(Release):
    """A release of one's own that forgets the log: probabilities read as log-probabilities
    put every record's loss near 0 and the attacks on the wrong numbers."""

    def __call__(self, logits, generator=None):
        return torch.softmax(logits.float(), dim=-1)


def test_a_release_returning_probabilities_is_refused_naming_it():
    from mia_defense.defenses.release import check_released

    logits = torch.randn(2, 5, 3)
    with pytest.raises(ConfigError, match=r"_ProbabilitiesRelease.*values above 0.*not "
                                          r"probabilities or logits"):
        check_released(_ProbabilitiesRelease()(logits).numpy(), what="population",
                       release=_ProbabilitiesRelease())
    for release in (FullRelease(), TopKRelease(k=1), RoundingRelease(decimals=1),
                    NoiseRelease(scale=0.5), LabelOnlyRelease(),
                    TemperatureRelease(temperature=3.0)):
        check_released(release(logits * 50, torch.Generator().manual_seed(0)).numpy(),
                       what="population", release=release)  # every packaged release passes


def test_the_probe_refuses_such_a_release_before_training_and_passes_the_packaged_ones():
    from mia_defense.defenses.release import probe_release

    with pytest.raises(ConfigError, match="random logits before training"):
        probe_release(_ProbabilitiesRelease(), num_classes=10)
    for release in (FullRelease(), TopKRelease(k=3), RoundingRelease(decimals=3),
                    NoiseRelease(scale=0.05), LabelOnlyRelease(),
                    TemperatureRelease(temperature=0.5)):
        probe_release(release, num_classes=10)
