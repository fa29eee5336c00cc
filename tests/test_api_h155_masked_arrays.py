"""numpy masked arrays given to the public API are refused, naming the function and the
argument (h155): np.asarray drops the mask, so ``api.make_plan(x, np.ma.masked_equal(y, 99))``
planned 100 classes, the masked 99s among them, and observations_from_arrays attacked masked
outputs and memberships as they were, without a word. The check is the Dataset's
(`mia_defense.data.dataset.refuse_masked`, d4f167a)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from torch import nn

from mia_defense import api
from mia_defense.errors import DataError
from mia_defense.observations import Observations


def _data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 60)
    y[5] = 99  # a missing label, coded 99 and masked
    return rng.normal(size=(60, 4)).astype(np.float32), y


def _refusal(where: str, field: str) -> str:
    return "^" + re.escape(f"{where}: {field} is a masked array (") + r"\d+ values masked\), " + (
        re.escape("whose mask would be ignored: the masked values read as they are; fill or "
                  f"drop them and pass a plain array ({field}.filled(value)"))


@pytest.mark.parametrize("field", ["x", "y"])
def test_make_plan_refuses_a_masked_array(field):
    x, y = _data()
    arrays = {"x": np.ma.masked_greater(x, 2.0), "y": np.ma.masked_equal(y, 99)}
    arrays = {"x": x, "y": y, field: arrays[field]}
    with pytest.raises(DataError, match=_refusal("make_plan", field)):
        api.make_plan(arrays["x"], arrays["y"], num_models=2)


def _observations():
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(3), size=(4, 20)).astype(np.float32)
    masks = np.tile(np.arange(20) % 2 == 0, (4, 1))
    masks[1::2] = ~masks[1::2]
    return {"outputs": probs, "masks": masks, "labels": rng.integers(0, 3, 20)}


@pytest.mark.parametrize("field", ["outputs", "masks", "labels"])
def test_observations_from_arrays_refuses_a_masked_array(field):
    arrays = _observations()
    arrays[field] = np.ma.masked_array(arrays[field], mask=np.zeros(arrays[field].shape, bool))
    arrays[field].mask.flat[0] = True
    with pytest.raises(DataError, match=_refusal("observations_from_arrays", field)):
        api.observations_from_arrays(arrays.pop("outputs"), arrays.pop("masks"),
                                     arrays.pop("labels"), kind="probabilities")


def test_audit_refuses_observations_built_with_a_masked_array():
    obs = api.observations_from_arrays(**_observations(), kind="probabilities")
    hand_made = replace(obs, log_probs=np.ma.masked_less(obs.log_probs, -2.0))
    assert isinstance(hand_made, Observations)
    with pytest.raises(DataError, match=_refusal("audit: observations", "log_probs")):
        api.audit(hand_made, overrides=["attack.bootstrap=0"])
    flags = np.ma.masked_array(np.zeros(20, bool), mask=np.arange(20) == 3)
    with pytest.raises(DataError, match=_refusal("audit", "is_canary")):
        api.audit(obs, overrides=["attack.bootstrap=0"], is_canary=flags)


@pytest.mark.parametrize("field", ["x", "y", "plan.masks"])
def test_observe_models_refuses_a_masked_array(field):
    x, y = _data()
    y[5] = 0
    plan = api.make_plan(x, y, num_models=2)
    models = [nn.Linear(4, 3), nn.Linear(4, 3)]
    args = {"x": x, "y": y, "plan": plan}
    if field == "plan.masks":
        args["plan"] = replace(plan, masks=np.ma.masked_array(plan.masks, mask=False))
    else:
        args[field] = np.ma.masked_array(args[field], mask=False)
    with pytest.raises(DataError, match=_refusal("observe_models", field)):
        api.observe_models(models, args["x"], args["y"], args["plan"])


def test_plain_arrays_are_taken():
    x, y = _data()
    y[5] = 0
    plan = api.make_plan(np.ma.getdata(np.ma.masked_greater(x, 2.0)), y, num_models=2)
    assert plan.masks.shape == (2, len(plan.population_idx))
