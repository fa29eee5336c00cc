"""A release that lets the outputs out unchanged under another name is said before training,
as release.decimals beyond float32's digits is (test_h94_config_checks): release.k equal to
the classes (a sweep of release.k=1,2,5,10 on 10 classes ranked the full release as a top-k
defense), release.scale=0 and release.temperature=1; also (h152) top-k withholding one class
without renormalising and any temperature an attacker who knows it can undo. The others are
not."""

from __future__ import annotations

import logging

import pytest
import torch

from mia_defense.defenses.release import (
    FullRelease,
    NoiseRelease,
    TemperatureRelease,
    TopKRelease,
    probe_release,
)


@pytest.mark.parametrize(
    ("release", "warned"),
    [
        (TopKRelease(k=10), "release.k=10: keeps all of the dataset's 10 classes"),
        (TopKRelease(k=10, renormalize=True), "release.k=10: keeps all"),
        (NoiseRelease(scale=0.0), "release.scale=0: adds no noise"),
        (TemperatureRelease(temperature=1.0), "release.temperature=1: the softmax at"),
        (TopKRelease(k=9, renormalize=True), None),
        (TopKRelease(k=8), None),
        (NoiseRelease(scale=1e-6), None),
        (TemperatureRelease(temperature=1e7), None),  # float32 ties close classes
        (TemperatureRelease(temperature=1e-100), None),  # the label alone (-inf elsewhere)
    ],
)
def test_a_full_release_under_another_name_is_said(caplog, release, warned):
    with caplog.at_level(logging.WARNING):
        probe_release(release, num_classes=10)
    said = [m for m in caplog.messages if "a full release under another name" in m]
    if warned is None:
        assert not said
    else:
        assert len(said) == 1 and said[0].startswith(warned)


@pytest.mark.parametrize(("k", "num_classes", "fix"), [
    (9, 10, "choose release.k in [1, 8] or set release.renormalize=true"),
    (1, 2, "set release.renormalize=true (the label alone)"),  # release=topk on a binary set
])
def test_topk_withholding_one_class_unrenormalised_is_said(caplog, k, num_classes, fix):
    """The one probability top-k withholds without renormalising is 1 minus the sum of the
    others: the querier reads the whole vector, so release=topk (k=1) on breast_cancer or
    k=9 of 10 classes released the full outputs under the top-k defense's name, unsaid."""
    logits = 3 * torch.randn(64, num_classes, generator=torch.Generator().manual_seed(0))
    released = TopKRelease(k=k)(logits).exp()
    rebuilt = torch.where(released > 0, released, 1 - released.sum(-1, keepdim=True))
    assert torch.allclose(rebuilt, FullRelease()(logits).exp(), atol=1e-6)
    with caplog.at_level(logging.WARNING):
        probe_release(TopKRelease(k=k), num_classes=num_classes)
    said = [m for m in caplog.messages if "a full release under another name" in m]
    assert len(said) == 1
    assert said[0].startswith(f"release.k={k} with release.renormalize=false on the dataset's "
                              f"{num_classes} classes: the one withheld probability")
    assert fix in said[0]


@pytest.mark.parametrize("temperature", [1e-30, 0.2, 1.5, 5.0, 50.0, 1e3])
def test_a_temperature_an_attacker_undoes_is_said(caplog, temperature):
    """The softmax at a known temperature T is undone by log_softmax(T * released): the
    outputs are the full vector to an attacker who knows T (results.json records it). The
    attacks read them as released, and the run reported less leak than its full release
    (digits, K=8, 30 epochs, the same models: RMIA's TPR at 0.1% FPR 0.023 full, 0.017 at
    T=5, 0.007 at T=50; AUC 0.651, 0.629, 0.605) with no word; they now read them undone
    (test_h162_temperature_attacked_undone), and the warning says the run is the full
    release under another name."""
    release = TemperatureRelease(temperature=temperature)
    logits = 3 * torch.randn(64, 10, generator=torch.Generator().manual_seed(1))
    back = torch.log_softmax(temperature * release(logits).double(), dim=-1)
    assert torch.allclose(back, torch.log_softmax(logits.double(), dim=-1), atol=1e-2)
    with caplog.at_level(logging.WARNING):
        probe_release(release, num_classes=10)
    said = [m for m in caplog.messages if "a full release under another name" in m]
    assert len(said) == 1
    assert said[0].startswith(f"release.temperature={temperature:g}: whoever knows the "
                              "temperature")
    assert "release=topk, rounding, label_only or noise" in said[0]
