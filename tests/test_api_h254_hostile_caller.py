"""The library API called by a mistaken caller (helper h254): make_plan with labels far
apart (0 and 10**9) inferred 10**9 + 1 classes without a word, where mia-train's loaders
remap such labels or refuse such a dataset.num_classes; observed_settings read is_canary
otherwise than audit does (a tensor that requires grad was a raw RuntimeError, a sparse or
bfloat16 tensor refused, a masked array's masked flags counted)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mia_defense import api, api_inputs
from mia_defense.errors import ConfigError, DataError


def _xy(labels):
    y = np.asarray(labels, dtype=np.int64)
    x = np.random.default_rng(0).normal(size=(len(y), 3))
    return x, y


@pytest.mark.parametrize("big", [10**6, 10**9, 2**62])
def test_make_plan_refuses_labels_far_apart_naming_the_relabelling(big):
    x, y = _xy([0, big] * 50)
    with pytest.raises(DataError, match=rf"make_plan: y holds labels up to {big} for 100 "
                       r"records: .*relabel y to 0\.\.C-1 first \(np\.unique\(y, "
                       r"return_inverse=True\)\[1\]\)"):
        api.make_plan(x, y, num_models=2)


def test_make_plan_takes_a_subset_of_classes_and_the_relabelled_labels():
    x, y = _xy([0, 1, 5] * 40)  # classes 2..4 unused: a subset of a larger task
    assert api.make_plan(x, y, num_models=2).masks.shape[0] == 2
    x, y = _xy([0, 999] * 50)  # 1000 classes: as many as dataset.num_classes may leave empty
    api.make_plan(x, y, num_models=2)
    x, y = _xy([0, 10**9] * 50)
    relabelled = np.unique(y, return_inverse=True)[1]
    assert api.make_plan(x, relabelled, num_models=2).masks.shape == (2, 75)


@pytest.fixture(scope="module")
def obs():
    masks = np.zeros((2, 30), dtype=bool)
    masks[0, ::2] = masks[1, 1::2] = True
    return api.observations_from_arrays(np.full((2, 30, 2), 0.5), masks, np.zeros(30, int),
                                        kind="probabilities")


def _flags():
    flags = torch.zeros(30)
    flags[[3, 7]] = 1
    return flags


@pytest.mark.parametrize("given", [
    _flags().requires_grad_(),
    _flags().to_sparse(),
    _flags().bfloat16(),
    [t for t in _flags()],
    _flags().numpy(),
], ids=["requires_grad", "sparse", "bfloat16", "list_of_tensors", "numpy"])
def test_observed_settings_reads_tensor_flags_by_their_values(obs, given):
    assert api.observed_settings(obs, given)["canaries.num"] == 2


def test_observed_settings_refuses_what_audit_refuses(obs):
    masked = np.ma.masked_array(np.ones(30), mask=np.ones(30, bool))
    with pytest.raises(DataError, match=r"observed_settings: is_canary is a masked array"):
        api.observed_settings(obs, masked)  # (30 canaries counted, mask ignored)
    with pytest.raises(DataError, match=r"observed_settings: is_canary: a tensor on the meta"):
        api.observed_settings(obs, torch.zeros(30, device="meta"))
    with pytest.raises(ConfigError, match=r"observed_settings: is_canary: give \[30\] flags"):
        api.observed_settings(obs, torch.full((30,), 2.0, requires_grad=True))
    with pytest.raises(ConfigError, match=r"observed_settings: obs is a list"):
        api.observed_settings([], torch.zeros(30))


RAGGED = [[0, 1], [1]]  # numpy makes no array of it: a raw ValueError 'inhomogeneous shape'


@pytest.mark.parametrize("argument", ["is_canary", "copy_groups"])
def test_audit_names_an_argument_numpy_cannot_read(obs, argument):
    with pytest.raises(ConfigError, match=rf"audit: {argument}: not an array \("):
        api.audit(obs, **{argument: RAGGED})


def test_run_audit_names_ragged_population_rows(obs):
    cfg = api.attack_config(["attack.bootstrap=0"])
    with pytest.raises(ConfigError, match=r"run_audit: population_idx: not an array \("):
        api.run_audit(obs, cfg, defended=False, population_idx=RAGGED)
    with pytest.raises(ConfigError, match=r"audit: is_canary: not an array \("):
        api.run_audit(obs, cfg, defended=False, is_canary=RAGGED)


def test_make_plan_and_observe_models_name_ragged_labels_and_plan_fields():
    from dataclasses import replace

    x, y = _xy([0, 1] * 30)
    with pytest.raises(DataError, match=r"make_plan: y: not an array \("):
        api.make_plan(x, [[0, 1], [1]] * 30, num_models=2)
    plan = api.make_plan(x, y, num_models=2)
    models = [torch.nn.Linear(3, 2) for _ in range(2)]
    with pytest.raises(DataError, match=r"observe_models: y: not an array \("):
        api.observe_models(models, x, [[0, 1], [1]] * 30, plan)
    for field in ("population_idx", "test_idx", "masks"):
        with pytest.raises(ConfigError, match=rf"observe_models: plan\.{field}: not an array"):
            api.observe_models(models, x, y, replace(plan, **{field: RAGGED}))


class _NoRoom(np.ndarray):
    """An array whose float32 copy cannot be allocated (as numpy says of x too large)."""

    def astype(self, *args, **kwargs):
        raise MemoryError("Unable to allocate 373. GiB for an array with shape (10000000, "
                          "10000) and data type float32")


class _NumpyOfNoRoom:
    """numpy, whose asarray gives `_NoRoom` arrays: api's float32 copy of x then fails as
    on x too large for the machine, without allocating anything here."""

    def __getattr__(self, name):
        return getattr(np, name)

    def asarray(self, *args, **kwargs):
        return np.asarray(*args, **kwargs).view(_NoRoom)


def test_make_plan_names_x_too_large_to_copy_or_check(monkeypatch):
    x, y = _xy([0, 1] * 30)
    with monkeypatch.context() as patched:
        patched.setattr(api_inputs, "np", _NumpyOfNoRoom())  # (x read in _numbers)
        with pytest.raises(DataError, match=r"make_plan: x: its float32 copy \(shape \[60, 3\], "
                           r"from float64\) needs .* GiB, more than this machine could allocate; "
                           r"give x as a float32 array"):
            api.make_plan(x, y, num_models=2)

    def no_room(**_):
        raise MemoryError("Unable to allocate 93.1 GiB for an array with shape (10000000, "
                          "10000) and data type bool")

    monkeypatch.setattr(api, "Dataset", no_room)  # (a memory-mapped x: its checks' masks)
    with pytest.raises(DataError, match=r"make_plan: x: shape \[60, 3\], .* GiB of float32: "
                       r"checking it needs more memory than this machine could allocate "
                       r"\(Unable to allocate 93\.1 GiB .*\); give fewer rows of x and y"):
        api.make_plan(x.astype(np.float32), y, num_models=2)
