"""numpy counts timedelta64 as an integer (np.issubdtype(m8, np.integer)): labels, masks or
dataset rows of that dtype passed the integer checks, api.make_plan(x, y) then stopped in a
raw TypeError ('int() argument must be ... not datetime.timedelta') and
observations_from_arrays read seconds as class indices and memberships. They are refused as
any other non-integer dtype now, naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import DataError

K, ROWS, N, C = 4, 80, 60, 3


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(ROWS, 5)).astype(np.float32), rng.integers(0, C, ROWS)


def test_make_plan_and_observe_models_refuse_timedelta_labels() -> None:
    x, y = _data()
    with pytest.raises(DataError, match=r"make_plan: y has dtype timedelta64\[s\]; give "
                       r"integer class labels"):  # fmt: skip
        api.make_plan(x, y.astype("m8[s]"), num_models=K)
    plan = api.make_plan(x, y, num_models=K)
    models = []
    for k in range(K):
        torch.manual_seed(k)
        models.append(nn.Linear(5, C))
    with pytest.raises(DataError, match=r"observe_models: y has dtype timedelta64\[s\]"):
        api.observe_models(models, x, y.astype("m8[s]"), plan)


@pytest.mark.parametrize(("field", "message"), [
    ("labels", r"labels: dtype timedelta64\[s\], expected integers"),
    ("masks", r"masks: dtype timedelta64\[s\], expected bool"),
])  # fmt: skip
def test_observations_refuse_timedelta_labels_and_masks(field, message) -> None:
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    arrays = {"masks": masks, "labels": rng.integers(0, C, N)}
    arrays[field] = arrays[field].astype(np.int64).astype("m8[s]")
    with pytest.raises(DataError, match=rf"observations_from_arrays: {message}"):
        api.observations_from_arrays(rng.normal(size=(K, N, C)), arrays["masks"],
                                     arrays["labels"], kind="logits")  # fmt: skip
