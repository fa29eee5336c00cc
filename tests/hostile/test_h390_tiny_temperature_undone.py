"""release.temperature=1e-38 was attacked as released, unsaid: logits / T overflow float32
for the classes far below the top (-inf), and `TemperatureRelease.undone` then said the
outputs could not be undone, though the other classes' log-probabilities are the model's
gaps to the top divided by T, which whoever knows T multiplies back. The attacks read
log-probabilities of -1e38: mia-train release=temperature release.temperature=1e-38
plan.num_models=8 train.epochs=20 reported RMIA's TPR at 0.1% FPR 0.003 (AUC 0.533) where
the same models' full release gives 0.017 (0.639), with no warning. Now the kept classes are
undone (the attacks read a top-k release of them: RMIA 0.015, AUC 0.628) and the run says so."""

from __future__ import annotations

import logging

import pytest
import torch

from mia_defense.defenses.release import TemperatureRelease, probe_release


def _logits() -> torch.Tensor:
    return 3 * torch.randn(256, 10, generator=torch.Generator().manual_seed(3))


@pytest.mark.parametrize("temperature", [1e-38, 3e-39])
def test_the_classes_that_did_not_overflow_are_undone(temperature):
    release = TemperatureRelease(temperature=temperature)
    logits = _logits()
    released = release(logits)
    withheld = torch.isneginf(released)
    kept = ~withheld
    assert withheld.any() and (kept.sum(-1) > 1).any()  # the case: some classes overflow
    view = release.attacker_view(released)
    assert view.dtype == torch.float32
    assert torch.equal(torch.isneginf(view), withheld)  # withheld stays withheld
    # each kept class: the model's own log-probability among the kept classes
    own = torch.log_softmax(logits.double().masked_fill(withheld, -torch.inf), dim=-1)
    torch.testing.assert_close(view[kept].double(), own[kept], atol=1e-2, rtol=0)


def test_the_run_says_the_outputs_are_undone(caplog):
    with caplog.at_level(logging.WARNING):
        probe_release(TemperatureRelease(temperature=1e-38), num_classes=10)
    said = [m for m in caplog.messages if m.startswith("release.temperature=1e-38: ")]
    assert len(said) == 1
    assert "overflow float32" in said[0] and "the attacks read them undone" in said[0]


@pytest.mark.parametrize("temperature", [1e-100, 1e-300])
def test_a_release_of_the_label_alone_is_still_read_as_released(caplog, temperature):
    release = TemperatureRelease(temperature=temperature)
    released = release(_logits())
    assert torch.equal(release.attacker_view(released), released)
    with caplog.at_level(logging.WARNING):
        probe_release(release, num_classes=10)
    assert not [m for m in caplog.messages if "undoes" in m]


def test_a_full_undo_is_said_as_before(caplog):
    with caplog.at_level(logging.WARNING):
        probe_release(TemperatureRelease(temperature=1e-30), num_classes=10)
    said = [m for m in caplog.messages if m.startswith("release.temperature=1e-30: ")]
    assert len(said) == 1 and "a full release under another name" in said[0]
