"""observations_from_arrays' observations hold arrays of their own: float32
log-probabilities, int64 labels and tensors were kept as given, so a buffer the caller
filled again with the next models' outputs changed the observations already made (a leaky
model's, AUC 0.95, audited as the next, private one's)."""

from __future__ import annotations

import numpy as np
import torch

from mia_defense import api

K, N, C = 4, 200, 3


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(-1, keepdims=True)
    return (shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))).astype(np.float32)


def _setup():
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    labels = rng.integers(0, C, N)
    leaky = rng.normal(size=(K, N, C))
    leaky[np.arange(K)[:, None], np.arange(N)[None], labels[None]] += 3 * masks
    return masks, labels, _log_softmax(leaky), _log_softmax(rng.normal(size=(K, N, C)))


def test_a_buffer_filled_again_leaves_the_observations_made() -> None:
    masks, labels, leaky, private = _setup()
    buffer = np.empty((K, N, C), np.float32)
    buffer[:] = leaky
    obs = api.observations_from_arrays(buffer, masks, labels)
    before = api.audit(obs, overrides=["attack.bootstrap=0"]).rows()[0]["auc"]
    buffer[:] = private
    api.observations_from_arrays(buffer, masks, labels)
    assert api.audit(obs, overrides=["attack.bootstrap=0"]).rows()[0]["auc"] == before > 0.9
    np.testing.assert_array_equal(obs.log_probs, leaky)


def test_no_field_shares_the_callers_memory() -> None:
    masks, labels, leaky, _ = _setup()
    grad_norms = np.ones((K, N), np.float32)
    obs = api.observations_from_arrays(leaky, masks.astype(np.uint8), labels,
                                       test_outputs=leaky[:, :10], test_labels=labels[:10],
                                       grad_norms=grad_norms)  # fmt: skip
    for field in ("log_probs", "labels", "masks", "test_log_probs", "test_labels",
                  "grad_norms"):  # fmt: skip
        value = getattr(obs, field)
        assert not any(np.may_share_memory(value, given) for given in (
            leaky, labels, grad_norms)), field  # fmt: skip
    tensor = torch.tensor(leaky)
    from_tensor = api.observations_from_arrays(tensor, masks, labels)
    tensor.zero_()
    np.testing.assert_array_equal(from_tensor.log_probs, leaky)
