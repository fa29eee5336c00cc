"""Memory linear in K·A·N (issue 17, target 6): the augmented queries are kept as the [K, A, N]
signals the attacks read, the signals are computed one model at a time and Shokri builds
features for the rows it uses only, all with the numbers of the [K, A, N, C] computation."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.attacks import label_only, lira, shokri
from mia_defense.attacks.references import balanced_references
from mia_defense.attacks.shokri import CLASSIFIERS, attack_features
from mia_defense.attacks.signals import SIGNALS, per_model, true_class_logit
from mia_defense.defenses.release import FullRelease, RoundingRelease
from mia_defense.observations import Observations
from mia_defense.observe import _all_logits, observe, observe_augmented, perturbed_copies
from mia_defense.queries import QueryConfig
from tests.helpers import synthetic_observations

K, N, C, A = 6, 120, 5, 3


def _full_queries(models, x, release) -> np.ndarray:
    """The released log-probabilities [K, A, N, C] as observe_augmented made them before."""
    copies = perturbed_copies(x, queries=QueryConfig(num_augmented=A), seed=1)
    logits = torch.stack([_all_logits(models, copy, 4096) for copy in copies], 1)
    return torch.stack([torch.stack([release(q) for q in m]) for m in logits]).numpy()


@pytest.fixture(scope="module")
def queried() -> tuple[Observations, np.ndarray]:
    """Observations of K tiny trained-looking models with their augmented queries, and the
    full [K, A, N, C] outputs of those queries."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    models = [nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, C)) for _ in range(K)]
    x = rng.normal(size=(N, 4)).astype(np.float32)
    y = rng.integers(0, C, N)
    masks = np.zeros((K, N), dtype=bool)
    for n in range(N):
        masks[rng.permutation(K)[: K // 2], n] = True
    release = RoundingRelease(decimals=2)  # exact 0/1 probabilities: the clipped branches
    logits, predictions = observe_augmented(
        models, x, y, release=release, queries=QueryConfig(num_augmented=A), seed=1
    )
    obs = Observations(observe(models, x, release=release), y, masks, logits, predictions)
    return obs, _full_queries(models, x, release)


def test_the_queries_keep_the_k_a_n_signals_of_the_full_outputs(queried):
    obs, full = queried
    assert full.shape == (K, A, N, C)
    assert obs.augmented_logits.shape == obs.augmented_predictions.shape == (K, A, N)
    assert obs.augmented_predictions.dtype == np.uint8
    np.testing.assert_array_equal(obs.augmented_logits, true_class_logit(full, obs.labels))
    np.testing.assert_array_equal(obs.augmented_predictions, full.argmax(-1))


@pytest.mark.parametrize("online", [True, False])
def test_augmented_lira_scores_are_those_of_the_full_outputs(queried, online):
    obs, full = queried
    signal = np.concatenate(  # the signal LiRA built from [K, A, N, C] before
        [true_class_logit(obs.log_probs, obs.labels)[:, None], true_class_logit(full, obs.labels)],
        axis=1,
    )
    # LiRA with A + 1 queries on the released outputs equals LiRA on those outputs' signal
    reference = replace(obs, augmented_logits=signal[:, 1:])
    targets = np.arange(K)
    got = lira(obs, targets, online=online, augmented=True)
    np.testing.assert_array_equal(got, lira(reference, targets, online=online, augmented=True))
    assert not np.allclose(got, lira(obs, targets, online=online))  # the queries count


def test_label_only_scores_are_those_of_the_full_outputs(queried):
    obs, full = queried
    queries = np.concatenate([obs.log_probs[:, None], full], axis=1)  # [K, 1 + A, N, C]
    robust = (queries.argmax(-1) == obs.labels).mean(axis=1)  # the robustness of before
    targets = np.arange(K)
    np.testing.assert_array_equal(label_only(obs, targets, calibration="global"), robust)
    scores = label_only(obs, targets)
    for row, t in enumerate(targets):
        refs = np.flatnonzero(np.arange(K) != t)
        _, out = balanced_references(obs.masks[refs])
        mean_out = (robust[refs] * out).sum(axis=0) / np.maximum(out.sum(axis=0), 1)
        overall = robust[refs][out > 0].mean()
        expected = robust[t] - np.where(out.any(axis=0), mean_out, overall)
        np.testing.assert_array_equal(scores[row], expected)


@pytest.mark.parametrize("name", [*sorted(SIGNALS), "true_class_logit"])
def test_signals_one_model_at_a_time_equal_the_whole_array(name):
    signal = true_class_logit if name == "true_class_logit" else SIGNALS[name]
    obs = synthetic_observations(num_models=5, num_samples=300, num_classes=7)
    log_probs = obs.log_probs.copy()
    log_probs[:, ::3, 1:4] = -np.inf  # withheld values, as top-k and label-only release
    with np.errstate(divide="ignore"):  # one-hot rows: a label-only release
        log_probs[:, 1::3] = np.log(np.eye(7, dtype=np.float32)[obs.labels[1::3]])
    whole = signal(log_probs, obs.labels)
    np.testing.assert_array_equal(per_model(signal, log_probs, obs.labels), whole)
    np.testing.assert_array_equal(per_model(signal, log_probs, obs.labels, [4, 1]), whole[[4, 1]])
    assert per_model(signal, log_probs, obs.labels, []).shape == (0, 300)


def _shokri_on_all_features(obs, targets, *, max_train_samples, seed):
    """Shokri as it was: features of all K·N outputs, then the rows it trains on."""
    features = attack_features(obs.log_probs, obs.labels)  # [K, N, 2C + 1]
    fold_of = np.arange(obs.num_models) % 2
    scores = np.empty((len(targets), obs.labels.shape[0]))
    for fold in np.unique(fold_of[targets]):
        rng = np.random.default_rng([seed, fold])  # (a stream per fold, as shokri's now)
        shadows = np.flatnonzero(fold_of != fold)
        rows_in, rows_out = balanced_references(obs.masks[shadows], strict=True)
        keep = (rows_in + rows_out) > 0
        x, y = features[shadows][keep], obs.masks[shadows][keep]
        if len(y) > max_train_samples:
            sample = rng.choice(len(y), max_train_samples, replace=False)
            x, y = x[sample], y[sample]
        model = CLASSIFIERS["logistic"](0).fit(x, y)
        for row in np.flatnonzero(fold_of[targets] == fold):
            scores[row] = model.predict_proba(features[targets[row]])[:, 1]
    return scores


@pytest.mark.parametrize("max_train_samples", [500, 100_000])
def test_shokri_features_for_the_rows_it_uses_give_the_same_scores(max_train_samples):
    obs = synthetic_observations(num_models=6, num_samples=400, num_classes=5, signal=1.0)
    targets = np.array([0, 3, 5])
    got = shokri(obs, targets, classifier="logistic", max_train_samples=max_train_samples)
    expected = _shokri_on_all_features(obs, targets, max_train_samples=max_train_samples, seed=0)
    np.testing.assert_array_equal(got, expected)


_PEAK = """
import json, resource, sys
import numpy as np, torch
from torch import nn
from mia_defense.defenses.release import FullRelease
from mia_defense.queries import QueryConfig
from mia_defense.observe import observe_augmented
k, a, n, c = 8, 16, 40_000, 64
torch.manual_seed(0)
models = [nn.Linear(8, c) for _ in range(k)]
x = np.random.default_rng(0).normal(size=(n, 8)).astype(np.float32)
y = np.arange(n) % c
queries = QueryConfig(num_augmented=a)
observe_augmented(models, x[:100], y[:100], release=FullRelease(), queries=queries, seed=0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
logits, predictions = observe_augmented(
    models, x, y, release=FullRelease(), queries=queries, seed=0)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"growth": after - before, "full": 4 * k * a * n * c,
                  "shape": list(logits.shape), "kept": logits.nbytes + predictions.nbytes}))
"""


@pytest.mark.slow  # ~10 s: a process of its own, 8x16 copies of 40 000x64 outputs (1.3 GB
# if held at once); smaller sizes drown the growth in the allocator's slack
def test_observe_augmented_never_holds_the_k_a_n_c_outputs():
    """Peak memory grows by about one copy's [K, N, C] outputs (1/16 of [K, A, N, C] here,
    with the forward pass's and the allocator's slack), where it grew by twice [K, A, N, C]
    (logits and released outputs) before."""
    done = subprocess.run([sys.executable, "-c", _PEAK], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    peak = json.loads(done.stdout)
    assert peak["shape"] == [8, 16, 40_000]
    assert peak["kept"] == 8 * 16 * 40_000 * (4 + 1)  # float32 logits, uint8 labels
    assert peak["growth"] < peak["full"] / 4, peak  # [K, A, N, C] float32 is 1.3 GB


def test_observe_augmented_checks_every_copy_as_it_is_made():
    model = nn.Linear(3, 4)
    x = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    seen: list[tuple[int, ...]] = []
    observe_augmented(
        [model, model], x, np.zeros(10, int), release=FullRelease(),
        queries=QueryConfig(num_augmented=3), seed=0, check=lambda lp: seen.append(lp.shape),
    )  # fmt: skip
    assert seen == [(2, 10, 4)] * 3
