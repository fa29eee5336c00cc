"""release=temperature at a temperature of 1, or at one the attacker undoes to the whole
vector (h444), was said in the start-up log alone, where h434 had the other releases that let
out the outputs unchanged record it in results.json's training.defenses_idle: the run was
written and reported as the temperature release with the full release's figures.
`TemperatureRelease.idle_reason` now gives the reason the warning gives, but not where the
outputs are not the full vector to the attacker (a temperature so small that classes
overflow, or so large that close classes tie)."""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses import FullRelease, TemperatureRelease
from mia_defense.defenses.release import release_idle


@pytest.mark.parametrize(("temperature", "says"), [
    (1.0, "release.temperature=1: the softmax at temperature 1 is the model's own"),
    (2.0, "release.temperature=2: whoever knows the temperature"),
    (0.01, "release.temperature=0.01: whoever knows the temperature"),
])  # fmt: skip
def test_a_temperature_the_attacker_reads_as_the_full_release_is_idle(temperature, says):
    release = TemperatureRelease(temperature=temperature)
    (idle,) = release_idle(release, num_classes=10)
    assert idle["defense"] == "release=temperature"
    assert idle["reason"].startswith(says)
    assert "a full release under another name" in idle["reason"]
    # (and it is: what the attacker reads is the full release's, up to float32 rounding)
    logits = 3 * torch.randn(256, 10, generator=torch.Generator().manual_seed(1))
    view = release.attacker_view(release(logits))
    assert torch.allclose(view, FullRelease()(logits), atol=1e-3)


@pytest.mark.parametrize("temperature", [1e-39, 1e8])
def test_a_temperature_that_withholds_or_ties_classes_is_not_idle(temperature):
    release = TemperatureRelease(temperature=temperature)
    assert release_idle(release, num_classes=10) == []
    logits = 3 * torch.randn(256, 10, generator=torch.Generator().manual_seed(1))
    view = release.attacker_view(release(logits))
    assert not torch.allclose(view, FullRelease()(logits), atol=1e-3)


def test_the_start_up_warning_says_the_reason(caplog):
    release = TemperatureRelease(temperature=2.0)
    with caplog.at_level("WARNING", logger="mia_defense.defenses.release"):
        release.check(num_classes=10)
    assert [r.getMessage() for r in caplog.records] == [release.idle_reason(num_classes=10)]
