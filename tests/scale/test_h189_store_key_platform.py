"""The model store's key names the rest of what trains other weights under one config on
another machine or environment sharing the store (``cache_dir=$HOME/.cache/...`` on a
laptop and a server, a store on a cluster's shared file system): the numpy version (mixup's
λ is numpy's Generator.beta, whose streams numpy keeps only within a version), the CPU's
kernels (torch picks them by the instructions the CPU has, AVX2/AVX512/none, and by
architecture: a digits MLP trained under ATEN_CPU_CAPABILITY=default and avx2 differs) and
cuDNN's version. Left out, a run reused weights its own config would not have trained
here, and reported their metrics as its own."""

from __future__ import annotations

import platform

import numpy as np
import torch

from mia_defense.store import store_key
from mia_defense.versions import _installed_versions, training_versions

CONFIG = {
    "dataset": {"_target_": "digits"},
    "model": {"hidden": [64]},
    "plan": {"num_models": 2},
    "train": {"epochs": 1, "threads": 1, "device": "cpu"},
    "defense": {"mixup": {"alpha": 0.4}},
    "seed": 0,
}


def _key(config=CONFIG) -> str:
    return store_key(config, data="d0", stage="model", defended=True)[0]


def test_the_numpy_version_is_keyed_and_recorded(monkeypatch):
    before = _key()
    assert training_versions()["numpy"] == np.__version__  # (checkpoints record it too)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(np, "__version__", "1.0.0")
            _installed_versions.cache_clear()  # (looked up once per process: not here)
            assert _key() != before
    finally:
        _installed_versions.cache_clear()
    assert _key() == before


def test_the_cpus_kernels_and_architecture_are_keyed(monkeypatch):
    before = _key()
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "DEFAULT")
    without_avx = _key()
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    with_avx512 = _key()
    assert len({before, without_avx, with_avx512}) >= 2 and without_avx != with_avx512
    monkeypatch.setattr(platform, "machine", lambda: "arm64")
    assert _key() != with_avx512


def test_the_cudnn_version_is_keyed_on_a_gpu(monkeypatch):
    cuda = {**CONFIG, "train": {**CONFIG["train"], "device": "cuda"}}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: "NVIDIA H200")
    monkeypatch.setattr(torch.backends.cudnn, "version", lambda: 90100)
    one = _key(cuda)
    monkeypatch.setattr(torch.backends.cudnn, "version", lambda: 90800)
    assert _key(cuda) != one
    # on the CPU, cuDNN trains nothing: not keyed
    cpu = _key()
    monkeypatch.setattr(torch.backends.cudnn, "version", lambda: 90100)
    assert _key() == cpu


def test_a_file_the_settings_name_is_keyed_by_its_content(tmp_path, monkeypatch):
    # your model (or train.fit, or defense) reading pretrained weights from a path: written
    # over under the same name, it trains other weights, as a data file does
    init = tmp_path / "init.pt"
    init.write_bytes(b"first weights")
    user = {**CONFIG, "model": {"_target_": "my_models.Net", "init": str(init)}}
    before = store_key(user, data="d0", stage="model", defended=True)
    assert list(before[1]["files"]) == [str(init)]
    init.write_bytes(b"other weights")
    assert _key(user) != before[0]
    # a relative path is the working directory's, as the code reading it sees it
    monkeypatch.chdir(tmp_path)
    relative = {**user, "train": {**CONFIG["train"], "fit": {"_target_": "f", "w": "init.pt"}}}
    keyed = _key(relative)
    init.write_bytes(b"third weights")
    assert _key(relative) != keyed
    # text that names no file, a folder, a _target_: nothing read
    plain = {**CONFIG, "model": {"_target_": str(init), "dir": str(tmp_path), "act": "relu"}}
    assert store_key(plain, data="d0", stage="model", defended=True)[1]["files"] == {}


def test_the_kind_of_no_canaries_is_not_keyed():
    # a sweep over attack.canaries.kind with none appended trains the same models: shared
    # (checked through mia-train: kind=outlier reused the entry of kind=mislabeled, and gave
    # the results.json and arrays of a run without the store)
    kinds = {_key({**CONFIG, "attack": {"canaries": {"num": 0, "kind": kind}}})
             for kind in ("mislabeled", "outlier")}
    assert kinds == {_key()}
    # appended canaries of either kind are keyed (their arrays are in the data's hash too)
    appended = {_key({**CONFIG, "attack": {"canaries": {"num": 4, "kind": kind}}})
                for kind in ("mislabeled", "outlier")}
    assert len(appended) == 2 and _key() not in appended
