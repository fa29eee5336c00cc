"""`balanced_references`' rotation (`_rotated`) against a per-sample loop: sample n keeps
``keep[n]`` of its marked references, taken cyclically in model order from its
(n mod count)-th one."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.references import _rotated, balanced_references


def _by_loop(kind: np.ndarray, keep: np.ndarray) -> np.ndarray:
    out = np.zeros_like(kind)
    for n in range(kind.shape[1]):
        marked = np.flatnonzero(kind[:, n])
        if len(marked):
            start = n % len(marked)
            chosen = [marked[(start + i) % len(marked)] for i in range(min(keep[n], len(marked)))]
            out[chosen, n] = True
    return out


@pytest.mark.parametrize(("models", "samples"), [(1, 5), (3, 40), (15, 300), (40, 64)])
def test_rotation_matches_a_loop_over_samples(models, samples):
    rng = np.random.default_rng(models)
    kind = rng.random((models, samples)) < rng.random(samples)  # some columns empty or full
    kind[:, 0], kind[:, -1] = False, True
    keep = rng.integers(0, models + 2, samples)
    for marked in (kind, ~kind):
        assert np.array_equal(_rotated(marked, keep), _by_loop(marked, keep))


def test_balanced_references_keep_as_many_of_each_kind():
    rng = np.random.default_rng(0)
    masks = rng.random((15, 200)) < 0.5
    ins, outs = balanced_references(masks)
    fewer = np.minimum(masks.sum(axis=0), (~masks).sum(axis=0))
    kept = np.where(fewer > 0, fewer, 15)
    assert np.array_equal(ins.sum(axis=0), np.where(fewer > 0, fewer, masks.sum(axis=0)))
    assert np.array_equal(outs.sum(axis=0), np.where(fewer > 0, fewer, (~masks).sum(axis=0)))
    assert np.array_equal(ins > 0, _by_loop(masks, kept))
    assert np.array_equal(outs > 0, _by_loop(~masks, kept))
