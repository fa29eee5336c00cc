"""The model store's key names what a config leaves to the machine: ``train.device=auto``
(CUDA where present), ``train.threads=0`` (every usable core) and the GPU, which train other
weights on another machine sharing the store (a shared file system, or
``cache_dir=$HOME/.cache/...`` on a laptop and a GPU box), and the versions of the libraries
DP training draws its noise and σ from (opacus, scipy). Left out, a run reused weights its
own config would not have trained here, and reported their metrics as its own."""

from __future__ import annotations

import importlib.metadata

import torch

from mia_defense import store as store_module
from mia_defense.store import store_key
from mia_defense.versions import _installed_versions

CONFIG = {
    "dataset": {"_target_": "digits"},
    "model": {"hidden": [64]},
    "plan": {"num_models": 2},
    "train": {"epochs": 1, "threads": 1, "device": "auto"},
    "defense": {"dp": {"noise_multiplier": 1.0}},
    "seed": 0,
}


def _key(config=CONFIG) -> str:
    return store_key(config, data="d0", stage="model", defended=True)[0]


def test_device_auto_is_keyed_on_the_device_it_picks(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    on_cpu = _key()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: "NVIDIA H200")
    on_gpu = _key()
    assert on_cpu != on_gpu
    # another GPU model rounds otherwise too
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: "NVIDIA T4")
    assert _key() != on_gpu


def test_threads_zero_is_keyed_on_the_cores_it_uses(monkeypatch):
    config = {**CONFIG, "train": {**CONFIG["train"], "threads": 0}}
    monkeypatch.setattr(store_module, "usable_cores", lambda: 2)
    two = _key(config)
    monkeypatch.setattr(store_module, "usable_cores", lambda: 16)
    assert _key(config) != two
    # an explicit count does not depend on the machine
    monkeypatch.setattr(store_module, "usable_cores", lambda: 2)
    assert _key() == _key()


def test_the_dp_libraries_versions_are_keyed(monkeypatch):
    before = _key()
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "0.0.1" if name == "opacus" else real(name))
    _installed_versions.cache_clear()  # (looked up once per process: not here)
    try:
        assert _key() != before
    finally:
        _installed_versions.cache_clear()
