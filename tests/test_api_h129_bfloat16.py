"""bfloat16 torch tensors (mixed-precision models' outputs and inputs) given to the API:
taken as their values, as float16/32/64 tensors are. numpy has no bfloat16: they were a raw
'TypeError: Got unsupported ScalarType BFloat16', or x 'not numbers'."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia_defense import api


def _bf16(array: np.ndarray) -> torch.Tensor:
    return torch.tensor(array, dtype=torch.bfloat16)


def test_observations_from_arrays_takes_bfloat16_outputs():
    rng = np.random.default_rng(0)
    outputs = _bf16(rng.normal(size=(2, 6, 3))).float().numpy()  # values bf16 can hold
    masks = np.array([[1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]])
    labels = np.arange(6) % 3
    obs = api.observations_from_arrays(_bf16(outputs), masks, labels, kind="logits",
                                       test_outputs=_bf16(outputs[:, :2]),
                                       test_labels=labels[:2])  # fmt: skip
    expected = api.observations_from_arrays(outputs, masks, labels, kind="logits",
                                            test_outputs=outputs[:, :2], test_labels=labels[:2])
    np.testing.assert_allclose(obs.log_probs, expected.log_probs)
    np.testing.assert_allclose(obs.test_log_probs, expected.test_log_probs)


def test_make_plan_and_observe_models_take_bfloat16_features():
    rng = np.random.default_rng(0)
    x = _bf16(rng.normal(size=(40, 5))).float().numpy()
    y = np.arange(40) % 3
    plan = api.make_plan(_bf16(x), y, num_models=2, population_size=30)
    assert np.array_equal(plan.masks, api.make_plan(x, y, num_models=2, population_size=30).masks)
    models = []
    for k in range(2):
        torch.manual_seed(k)
        models.append(nn.Linear(5, 3))
    obs = api.observe_models(models, _bf16(x), y, plan)
    np.testing.assert_allclose(obs.log_probs, api.observe_models(models, x, y, plan).log_probs)


def test_audit_takes_bfloat16_canary_flags():
    rng = np.random.default_rng(0)
    n = 40
    masks = np.stack([np.arange(n) % 2 == 0, np.arange(n) % 2 == 1])
    obs = api.observations_from_arrays(rng.normal(size=(2, n, 3)), masks, np.arange(n) % 3,
                                       kind="logits")  # fmt: skip
    flags = np.zeros(n)
    flags[:4] = 1
    overrides = ["attack.bootstrap=0"]
    given = api.audit(obs, overrides=overrides, is_canary=_bf16(flags)).rows()
    expected = api.audit(obs, overrides=overrides, is_canary=flags.astype(bool)).rows()
    assert [row["auc"] for row in given] == [row["auc"] for row in expected]
