"""`api.observe_models` checks a release as mia-train does before training
(`probe_release`): the API asked a release nothing, so one mia-train refuses was used."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.defenses.release import NoiseRelease, Release, TopKRelease, probe_release
from mia_defense.errors import ConfigError


class NumpyRelease(Release):
    name = "numpy_release"

    def __call__(self, logits, generator=None):
        return torch.log_softmax(logits.float(), -1).numpy()


class PickyRelease(Release):
    name = "picky"

    def check(self, *, num_classes):
        raise ValueError(f"needs 10 classes, not {num_classes}")


class NamelessRelease(Release):
    def __call__(self, logits, generator=None):
        return torch.log_softmax(logits.float() / 2, -1)


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = np.arange(40) % 3
    plan = api.make_plan(x, y, num_models=2, population_size=30)
    torch.manual_seed(0)
    return x, y, plan, [nn.Linear(4, 3) for _ in range(2)]


@pytest.mark.parametrize(
    ("release", "message"),
    [
        # an AttributeError traceback ('numpy.ndarray' object has no attribute 'new_empty')
        (NumpyRelease(), r"release .*NumpyRelease: returned ndarray for logits \[8, 3\]"),
        # its check was never asked: the release was used on 3 classes
        (PickyRelease(), r"its check\(num_classes=3\) refused the dataset: ValueError: needs 10"),
        # results.json would call it 'full' in mia-train, which refuses it
        (NamelessRelease(), r"NamelessRelease: it has no name of its own"),
        # k above the classes: mia-train refuses it, the API clipped it silently
        (TopKRelease(k=5), r"release.k=5: larger than the dataset's 3 classes"),
    ],
)
def test_observe_models_refuses_a_release_mia_train_refuses(setup, release, message):
    x, y, plan, models = setup
    with pytest.raises(ConfigError, match=message):
        api.observe_models(models, x, y, plan, release=release)


def test_observe_models_still_takes_a_sound_release(setup):
    x, y, plan, models = setup
    obs = api.observe_models(models, x, y, plan, release=TopKRelease(k=3))
    assert obs.log_probs.shape == (2, 30, 3)


class DropsAClassOnLargeBatches(Release):
    """Passes the probe's 8 random logits, answers larger batches with one class fewer."""

    name = "drops_a_class"

    def __call__(self, logits, generator=None):
        out = torch.log_softmax(logits.float(), -1)
        return out if len(logits) <= 8 else out[:, :-1]


def test_a_release_changing_its_width_on_larger_batches_is_refused_by_name(setup):
    # mia-train blamed the model ('model._target_=... returned 9 outputs per population
    # record'), or stopped in an IndexError traceback under the augmented queries
    x, y, plan, models = setup
    with pytest.raises(ConfigError, match=r"release .*DropsAClassOnLargeBatches: returned "
                       r"shape \[30, 2\] for logits \[30, 3\]"):
        api.observe_models(models, x, y, plan, release=DropsAClassOnLargeBatches())


class UndeclaredNoise(NoiseRelease):
    """NoiseRelease's noise, declared deterministic: the attacker would ask once."""

    name = "undeclared_noise"
    randomized = False


class GlobalNoise(Release):
    """Noise from the global generator, declared deterministic."""

    name = "global_noise"

    def __call__(self, logits, generator=None):
        return torch.log_softmax(logits.float() + torch.randn(logits.shape), -1)


class TextFlag(Release):
    name = "text_flag"
    randomized = "no"  # truthy: taken for a randomized release


class HalvesInPlace(NoiseRelease):
    name = "halves_in_place"

    def __call__(self, logits, generator=None):
        return super().__call__(logits.mul_(0.5), generator)


class ScalesInPlace(Release):
    """Deterministic and changes its input: asked once, harmless."""

    name = "scales_in_place"

    def __call__(self, logits, generator=None):
        return torch.log_softmax(logits.mul_(0.5).float(), -1)


@pytest.mark.parametrize(("release", "message"), [
    # asked once, the noise hid the leak (digits, scale 0.3: LiRA AUC 0.578 -> 0.516)
    (UndeclaredNoise(scale=0.3), r"UndeclaredNoise: it answered the same random logits "
     r"differently on a second call, yet declares randomized = False"),
    (GlobalNoise(), r"GlobalNoise: it answered the same random logits differently"),
    (TextFlag(), r"TextFlag: randomized='no' must be True or False"),
    # each repeat (attack.queries.repeats) halved the logits again
    (HalvesInPlace(), r"HalvesInPlace: it modifies the logits it is given in place"),
])
def test_probe_release_refuses_undeclared_or_unrepeatable_randomness(release, message):
    with pytest.raises(ConfigError, match=message):
        probe_release(release, num_classes=3)


def test_probe_release_keeps_deterministic_and_declared_randomized_releases():
    for release in (ScalesInPlace(), NoiseRelease(scale=0.3), TopKRelease(k=2)):
        probe_release(release, num_classes=3)
