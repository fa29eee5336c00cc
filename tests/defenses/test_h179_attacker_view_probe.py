"""A release of one's own whose ``attacker_view`` (b2764c8) returns what observations.npz
cannot hold, or reads the same outputs differently each time, is refused before training
(`probe_release`), naming the release: an unnormalised view (logits minus their max) passed
the probe and its run's observations.npz was then refused by mia-attack; a view drawing at
random passed and hid the leak under noise; a view that requires grad was a raw
RuntimeError from numpy."""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses.release import Release, TemperatureRelease, probe_release
from mia_defense.errors import ConfigError


class _OwnView(Release):
    name = "own_view"
    randomized = False

    def __init__(self, view):
        self._view = view

    def attacker_view(self, log_probs: torch.Tensor) -> torch.Tensor:
        return self._view(log_probs)


def test_a_view_that_is_no_distribution_is_refused_before_training():
    own = _OwnView(lambda lp: lp - 1.0)  # every class released, summing to e^-1
    with pytest.raises(ConfigError, match=r"_OwnView: its attacker_view, on random logits "
                                          r"\[8, 10\] before training, .*sum to 0\.3679"):
        probe_release(own, num_classes=10)


def test_a_view_that_draws_at_random_is_refused_before_training():
    own = _OwnView(lambda lp: torch.log_softmax(lp + torch.randn_like(lp), dim=-1))
    with pytest.raises(ConfigError, match=r"_OwnView: its attacker_view read the same released "
                                          r"outputs \[8, 10\] differently twice"):
        probe_release(own, num_classes=10)


def test_a_view_that_requires_grad_is_read_as_its_values():
    probe_release(_OwnView(lambda lp: lp.clone().requires_grad_()), num_classes=10)


@pytest.mark.parametrize("temperature", [0.5, 5.0])
def test_the_packaged_views_still_pass(temperature):
    probe_release(TemperatureRelease(temperature=temperature), num_classes=10)
    probe_release(_OwnView(lambda lp: lp.double()), num_classes=3)
