"""The Python API takes torch tensors of any layout a user holds, and names the argument
when a tensor has no values: a meta tensor, a sparse, quantized or negated view, a list of
outputs that require grad (``[model(x) for model in models]``) were raw errors from torch
or numpy; complex features lost their imaginary parts with a warning only."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mia_defense import api
from mia_defense.errors import ConfigError, DataError
from mia_defense.observations import Observations

K, N, C = 4, 40, 3


@pytest.fixture(scope="module")
def arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(K, N, C)).astype(np.float32)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    return logits, masks, rng.integers(0, C, N)


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.normal(size=(60, 5)).astype(np.float32), rng.integers(0, 3, 60)


def test_meta_tensors_are_named(arrays) -> None:
    logits, masks, labels = arrays
    meta = torch.empty((K, N, C), device="meta")
    with pytest.raises(DataError, match=r"observations_from_arrays: outputs: a tensor on the "
                       r"meta device \(shape \[4, 40, 3\]\) holds no values"):  # fmt: skip
        api.observations_from_arrays(meta, masks, labels, kind="logits")
    x, y = _data()
    with pytest.raises(DataError, match="make_plan: x: a tensor on the meta device"):
        api.make_plan(torch.empty((60, 5), device="meta"), y, num_models=4)
    with pytest.raises(DataError, match="make_plan: y: a tensor on the meta device"):
        api.make_plan(x, torch.empty(60, dtype=torch.long, device="meta"), num_models=4)
    obs = api.observations_from_arrays(logits, masks, labels, kind="logits")
    with pytest.raises(DataError, match="audit: is_canary: a tensor on the meta device"):
        api.audit(obs, is_canary=torch.zeros(N, dtype=torch.bool, device="meta"))


def test_a_list_of_outputs_that_require_grad(arrays) -> None:
    logits, masks, labels = arrays
    outputs = [torch.tensor(k_logits, requires_grad=True) * 1.0 for k_logits in logits]
    obs = api.observations_from_arrays(outputs, masks, labels, kind="logits")
    expected = api.observations_from_arrays(logits, masks, labels, kind="logits")
    np.testing.assert_array_equal(obs.log_probs, expected.log_probs)


@pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor:UserWarning")  # (deprecated)
@pytest.mark.parametrize("view", ["sparse", "quantized", "negative", "bfloat16"])
def test_tensor_layouts_give_their_values(arrays, view: str) -> None:
    logits, masks, labels = arrays
    tensor = torch.tensor(logits)
    given = {
        "sparse": lambda: tensor.to_sparse(),
        "quantized": lambda: torch.quantize_per_tensor(tensor, 0.1, 0, torch.qint8),
        "negative": lambda: torch._neg_view(-tensor),
        "bfloat16": lambda: tensor.bfloat16(),
    }
    value = given[view]()
    values = value.dequantize() if view == "quantized" else value
    dense = values.to_dense() if view == "sparse" else values.resolve_neg()
    obs = api.observations_from_arrays(value, masks, labels, kind="logits")
    expected = api.observations_from_arrays(dense.float().numpy(), masks, labels, kind="logits")
    np.testing.assert_array_equal(obs.log_probs, expected.log_probs)


def test_audit_of_observations_built_of_tensors_that_require_grad(arrays) -> None:
    logits, masks, labels = arrays
    log_probs = torch.log_softmax(torch.tensor(logits, requires_grad=True), -1)
    direct = Observations(log_probs=log_probs, masks=torch.tensor(masks),
                          labels=torch.tensor(labels))  # fmt: skip
    plain = api.observations_from_arrays(logits, masks, labels, kind="logits")
    overrides = ["attack.bootstrap=0", "~attack.attacks.shokri"]
    got = api.audit(direct, overrides=overrides).rows()
    want = api.audit(plain, overrides=overrides).rows()
    assert [r["auc"] for r in got] == pytest.approx([r["auc"] for r in want], abs=1e-6)


def test_complex_features_are_refused() -> None:
    x, y = _data()
    with pytest.raises(DataError, match=r"make_plan: x: complex numbers \(dtype complex64\)"):
        api.make_plan(x + 1j * x, y, num_models=4)
    plan = api.make_plan(x, y, num_models=4)
    models = [torch.nn.Linear(5, 3) for _ in range(4)]
    with pytest.raises(DataError, match="observe_models: x: complex numbers"):
        api.observe_models(models, torch.tensor(x) * (1 + 1j), y, plan)


def test_float64_features_beyond_float32_are_named() -> None:
    x, y = _data()
    big = x.astype(np.float64)
    big[3, 1] = 1e300
    with pytest.raises(DataError, match=r"make_plan: x: 1 finite values beyond float32's "
                       r"range \(largest 1e\+300\)"):  # fmt: skip
        api.make_plan(big, y, num_models=4)


def test_metadata_with_an_int_too_long_to_show(arrays) -> None:
    logits, masks, labels = arrays
    with pytest.raises(ConfigError, match="observations_from_arrays: metadata: must be"):
        api.observations_from_arrays(logits, masks, labels, kind="logits",
                                     metadata={"seed": 10**5000})  # fmt: skip
