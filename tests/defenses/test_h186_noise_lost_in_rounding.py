"""release=noise at a scale float32 cannot show (release.scale=1e-30) released the outputs of
release.scale=0 bit for bit, reported as the noise defense with no word, where scale=0 is
said to be a full release under another name (test_h112_full_release_by_another_name)."""

from __future__ import annotations

import logging

import pytest
import torch

from mia_defense.defenses.release import NoiseRelease, probe_release


@pytest.mark.parametrize("distribution", ["gaussian", "laplace"])
@pytest.mark.parametrize("scale", [1e-30, 1e-20, 1e-320])
def test_noise_lost_in_float32_is_said(caplog, scale: float, distribution: str) -> None:
    release = NoiseRelease(scale=scale, distribution=distribution)
    logits = 3 * torch.randn(64, 10, generator=torch.Generator().manual_seed(1))
    # what the warning says: the released outputs are those of no noise, bit for bit
    assert torch.equal(release(logits, torch.Generator().manual_seed(2)),
                       NoiseRelease(scale=0.0)(logits))
    with caplog.at_level(logging.WARNING):
        probe_release(release, num_classes=10)
    said = [m for m in caplog.messages if "a full release under another name" in m]
    assert len(said) == 1
    assert said[0].startswith(f"release.scale={scale:g}: its noise is lost in the float32")
    assert "choose release.scale >= 1e-1" in said[0]  # (1e-12 or 1e-13, measured)


@pytest.mark.parametrize("scale", [1e-9, 1e-6, 0.05])
def test_noise_that_moves_the_outputs_is_not_said(caplog, scale: float) -> None:
    with caplog.at_level(logging.WARNING):
        probe_release(NoiseRelease(scale=scale), num_classes=10)
        probe_release(NoiseRelease(scale=scale), num_classes=2)
    assert not [m for m in caplog.messages if "another name" in m]


class _LogitNoise(NoiseRelease):
    """A release of one's own: noise on the logits, ``scale`` in units of 1e-25."""

    name = "logit_noise"

    def __call__(self, logits, generator=None):
        noise = torch.randn(logits.shape, generator=generator)
        return torch.log_softmax(logits.float() + 1e25 * self.scale * noise, dim=-1)


def test_a_subclass_is_measured_by_its_own_noise(caplog) -> None:
    """The measure asks the release itself, not NoiseRelease's noise on probabilities."""
    with caplog.at_level(logging.WARNING):
        probe_release(_LogitNoise(scale=1e-30), num_classes=10)
    assert not [m for m in caplog.messages if "another name" in m]
