"""Augmented queries and white-box gradient norms produced by `observe`."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.defenses.release import FullRelease, LabelOnlyRelease
from mia_defense.errors import ConfigError
from mia_defense.observe import (
    gradient_norms,
    observe,
    observe_augmented,
    perturbed_copies,
)
from mia_defense.queries import QueryConfig


def test_images_are_shifted_and_flipped_tabular_rows_get_noise():
    images = np.arange(2 * 1 * 4 * 4, dtype=np.float32).reshape(2, 1, 4, 4)
    copies = perturbed_copies(images, queries=QueryConfig(num_augmented=4, flip=True), seed=0)
    assert len(copies) == 4 and all(c.shape == images.shape for c in copies)
    assert any(not torch.equal(c, torch.as_tensor(images)) for c in copies)
    rows = np.random.default_rng(0).normal(size=(500, 3)).astype(np.float32)
    noisy = perturbed_copies(rows, queries=QueryConfig(num_augmented=2, noise_std=0.5), seed=0)
    assert (noisy[0].numpy() - rows).std() == pytest.approx(0.5, rel=0.1)
    assert not np.allclose(noisy[0], noisy[1])


def test_every_model_sees_the_same_perturbed_copies():
    torch.manual_seed(0)
    model = nn.Linear(3, 4)
    x = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    y = np.arange(20) % 4
    queries = QueryConfig(num_augmented=3)
    logits, predictions = observe_augmented(
        [model, model], x, y, release=FullRelease(), queries=queries, seed=1
    )
    assert logits.shape == predictions.shape == (2, 3, 20)
    np.testing.assert_array_equal(logits[0], logits[1])
    np.testing.assert_array_equal(predictions[0], predictions[1])
    assert len(np.unique(logits[0])) > 20  # the copies differ: so do their logits
    # a label-only release lets out the label: true-class logit +-SIGNAL_CLIP
    labels, same = observe_augmented(
        [model], x, y, release=LabelOnlyRelease(), queries=queries, seed=1
    )
    assert set(np.unique(labels).tolist()) <= {-50.0, 50.0}
    np.testing.assert_array_equal(same[0], predictions[0])
    assert observe([model], x, release=FullRelease()).shape == (1, 20, 4)


def test_gradient_norms_match_autograd_one_sample_at_a_time():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
    x = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    y = np.arange(10) % 4
    norms = gradient_norms([model], x, y, batch_size=4)
    for i in range(10):
        model.zero_grad()
        logits = model(torch.as_tensor(x[i : i + 1]))
        loss = nn.functional.cross_entropy(logits, torch.tensor([y[i]]))
        loss.backward()
        expected = torch.sqrt(sum(p.grad.pow(2).sum() for p in model.parameters()))
        assert norms[0, i] == pytest.approx(float(expected), rel=1e-4)


class _SharedLinear(nn.Module):
    """One nn.Linear applied twice: its per-sample gradient is not g a^T of one call."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(torch.relu(self.layer(x)))


class _TwiceAndNever(_SharedLinear):
    """Two nn.Linear layers, one run twice and the other never: as many calls as layers."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Linear(3, 3)


def _autograd_norms(model: nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = []
    for i in range(len(y)):
        model.zero_grad()
        logits = model(torch.as_tensor(x[i : i + 1]))
        nn.functional.cross_entropy(logits, torch.tensor([int(y[i])])).backward()
        grads = [p.grad for p in model.parameters() if p.grad is not None]  # unused: zero
        out.append(float(torch.sqrt(sum(g.pow(2).sum() for g in grads))))
    return np.array(out)


@pytest.mark.parametrize(
    ("name", "ghost"),
    [("mlp", True), ("logistic", True), ("cnn", False), ("shared", False),
     ("twice_and_never", False)],
)
def test_gradient_norms_take_the_ghost_path_only_where_it_is_exact(name, ghost):
    from mia_defense.models import MLP, LogisticRegression, SmallCNN
    from mia_defense.observe import _ghost_grad_norms

    torch.manual_seed(0)
    shape = (1, 4, 4) if name == "cnn" else (3,)
    model = {
        "mlp": lambda: MLP(input_shape=shape, num_classes=3, hidden=(8, 8), dropout=0.5),
        "logistic": lambda: LogisticRegression(input_shape=shape, num_classes=3),
        "cnn": lambda: SmallCNN(input_shape=shape, num_classes=3, channels=(4,), hidden=8,
                                groups=2, pooled=2),
        "shared": _SharedLinear,
        "twice_and_never": _TwiceAndNever,
    }[name]()
    model.eval()
    x = np.random.default_rng(1).normal(size=(9, *shape)).astype(np.float32)
    y = np.arange(9) % 3
    direct = _ghost_grad_norms(model, torch.as_tensor(x), torch.as_tensor(y), 4)
    assert (direct is not None) == ghost
    norms = gradient_norms([model], x, y, batch_size=4)
    np.testing.assert_allclose(norms[0], _autograd_norms(model, x, y), rtol=1e-4)


def test_negative_query_settings_are_refused():
    with pytest.raises(ConfigError, match=r"attack\.queries"):
        QueryConfig(num_augmented=-1)


def test_stacked_inference_equals_each_model_queried_alone():
    from mia_defense.defenses.release import NoiseRelease
    from mia_defense.models import MLP
    from mia_defense.observe import _stackable

    torch.manual_seed(0)
    models = [MLP(input_shape=(6,), num_classes=4, hidden=(8,), dropout=0.5) for _ in range(3)]
    x = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    assert _stackable(models)
    stacked = observe(models, x, release=FullRelease(), batch_size=4)  # several row chunks
    for k, model in enumerate(models):
        model.eval()
        alone = torch.log_softmax(model(torch.as_tensor(x)), -1).detach().numpy()
        np.testing.assert_allclose(stacked[k], alone, atol=1e-5)
    # a noisy release draws in model order whichever way the logits were computed
    release = NoiseRelease(scale=0.5)
    got = observe(models, x, release=release, generator=torch.Generator().manual_seed(1))
    mixed = [*models[:2], nn.Sequential(nn.Flatten(), *list(models[2])[1:])]  # not stackable
    assert not _stackable(mixed)
    want = observe(mixed, x, release=release, generator=torch.Generator().manual_seed(1))
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_stacked_inference_leaves_the_inputs_alone():
    # a leading ReLU must not clamp the caller's array in place
    from mia_defense.observe import _stackable

    torch.manual_seed(0)
    models = [nn.Sequential(nn.ReLU(), nn.Linear(3, 2)) for _ in range(2)]
    x = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    before = x.copy()
    assert _stackable(models)
    out = observe(models, x, release=FullRelease())
    np.testing.assert_array_equal(x, before)
    for k, model in enumerate(models):
        alone = torch.log_softmax(model(torch.as_tensor(before)), -1).detach().numpy()
        np.testing.assert_allclose(out[k], alone, atol=1e-5)


def _table_models(logits: np.ndarray) -> list[nn.Module]:
    """Models whose outputs on the rows of eye(N) are ``logits`` [K, N, C]."""
    models = []
    for table in torch.as_tensor(logits, dtype=torch.float32):
        model = nn.Linear(table.shape[0], table.shape[1], bias=False)
        with torch.no_grad():
            model.weight.copy_(table.T)
        models.append(model)
    return models


def test_an_attacker_repeats_queries_of_a_randomized_release_and_averages_the_noise():
    from mia_defense.attacks import loss_attack
    from mia_defense.defenses.release import NoiseRelease, TopKRelease
    from mia_defense.metrics import roc_metrics
    from tests.helpers import synthetic_observations

    obs = synthetic_observations(num_models=4, num_samples=400, signal=2.0)
    models = _table_models(obs.log_probs)
    x = np.eye(400, dtype=np.float32)
    noise = NoiseRelease(scale=1.0)

    def auc(repeats: int) -> float:
        released = observe(models, x, release=noise, repeats=repeats,
                           generator=torch.Generator().manual_seed(0))
        scores = loss_attack(replace(obs, log_probs=released), np.arange(4))
        return roc_metrics(scores, obs.masks).auc

    # one noisy answer per query hides most of the signal (AUC 0.574 here, 0.745 without
    # noise); 64 averaged answers recover nearly all of it (0.72)
    assert auc(64) > auc(1) + 0.1
    # a deterministic release answers the same every time: asked once, same numbers
    for release in (FullRelease(), TopKRelease(k=3)):
        once = observe(models, x, release=release)
        np.testing.assert_array_equal(observe(models, x, release=release, repeats=16), once)


def test_perturbed_queries_of_a_randomized_release_are_repeated_too():
    # the label-only attack and augmented LiRA read the perturbed copies' answers: asked once
    # each under release=noise, their noise hid the signal the population's averaged answers
    # kept, and those attacks understated the leak of a noised release
    from mia_defense.defenses.release import NoiseRelease
    from tests.helpers import synthetic_observations

    obs = synthetic_observations(num_models=4, num_samples=200, signal=2.0)
    models = _table_models(obs.log_probs)
    x = np.eye(obs.log_probs.shape[1], dtype=np.float32)
    clean, _ = observe_augmented(models, x, obs.labels, release=FullRelease(),
                                 queries=QueryConfig(num_augmented=2, noise_std=0.0), seed=0)

    def error(repeats: int) -> float:
        queries = QueryConfig(num_augmented=2, noise_std=0.0, repeats=repeats)
        noisy, _ = observe_augmented(models, x, obs.labels, release=NoiseRelease(scale=0.05),
                                     queries=queries, seed=0,
                                     generator=torch.Generator().manual_seed(0))
        return float(np.median(np.abs(noisy - clean)))

    # the noise averages away (its clipping at 0 leaves a bias that repeats cannot remove)
    assert error(64) < error(1) / 2


def test_repeats_are_bounded():
    with pytest.raises(ConfigError, match=r"attack.queries.repeats=0: must lie in \[1, 1024\]"):
        QueryConfig(repeats=0)
