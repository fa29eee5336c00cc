"""Settings changed between an interrupted run and its resume: train.chunk_size changes the
models (a chunk's models draw dropout from one generator seeded by its first model, and
share float rounding), so a run with saved models resumes only under the same chunk size;
train.eval_every changes only the curves' spacing, so a resume under another value is
allowed. train.device counts as train.chunk_size does, and train.threads too (torch splits a
sum among its threads: tests/cli/test_h210_resume_threads.py)."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.tracking.run_dir import finished_run, mark_run


def _config(**train):
    return {"seed": 0, "train": {"lr": 0.001, "chunk_size": None, "threads": 1,
                                 "eval_every": 1, "device": "cpu", **train}}


def _interrupted(run_dir, *, saved: bool, **train):
    mark_run(run_dir, status="interrupted", config=_config(**train), data_fingerprint="d")
    if saved:
        (run_dir / "checkpoints").mkdir()
        (run_dir / "checkpoints" / "model_0000.pt").write_bytes(b"saved")


def test_a_resume_under_another_chunk_size_is_refused_naming_the_key(tmp_path):
    _interrupted(tmp_path, saved=True, chunk_size=2)
    before = (tmp_path / "results.json").read_bytes()
    with pytest.raises(ConfigError, match=r"train\.chunk_size: 2 -> 1.*train\.chunk_size=2"):
        finished_run(tmp_path, config=_config(chunk_size=1), data_fingerprint="d")
    assert (tmp_path / "results.json").read_bytes() == before


@pytest.mark.parametrize("before", ["cuda", "auto"])
def test_a_resume_on_another_device_is_refused(tmp_path, monkeypatch, before):
    """A CUDA generator draws other batch orders and noise than a CPU one: models saved on
    a GPU, finished on the CPU, were a mix (``auto`` is the device it picks here)."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    _interrupted(tmp_path, saved=True, device=before)
    with pytest.raises(ConfigError, match=rf'train\.device: "{before}" -> "cpu"'):
        finished_run(tmp_path, config=_config(device="cpu"), data_fingerprint="d")
    assert finished_run(tmp_path, config=_config(device="cuda"), data_fingerprint="d") is None


def test_auto_is_the_cpu_on_a_machine_without_cuda(tmp_path, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    _interrupted(tmp_path, saved=True, device="auto")
    assert finished_run(tmp_path, config=_config(device="cpu"), data_fingerprint="d") is None


def test_another_chunk_size_is_fine_before_any_model_was_saved(tmp_path):
    """A run killed for memory before its first chunk was saved: a smaller chunk is the fix."""
    _interrupted(tmp_path, saved=False, chunk_size=32)
    assert finished_run(tmp_path, config=_config(chunk_size=4), data_fingerprint="d") is None


@pytest.mark.parametrize("change", [{"eval_every": 5}])
def test_eval_every_changes_only_the_curves_so_a_resume_goes_on(tmp_path, change):
    _interrupted(tmp_path, saved=True, chunk_size=2)
    config = _config(chunk_size=2, **change)
    assert finished_run(tmp_path, config=config, data_fingerprint="d") is None


def test_a_complete_run_is_kept_under_another_chunk_size(tmp_path):
    """A finished run is one config's models throughout: skipped as finished, not mixed."""
    mark_run(tmp_path, status="complete", config=_config(chunk_size=2), data_fingerprint="d")
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "model_0000.pt").write_bytes(b"saved")
    assert finished_run(tmp_path, config=_config(chunk_size=1), data_fingerprint="d")


@pytest.mark.slow  # 3 tiny runs, about 6 s
def test_threads_and_eval_every_give_the_same_models(make_cfg, tmp_path):
    import numpy as np

    from mia_defense.cli.train import run
    from tests.test_bad_inputs import FAST

    arrays = []
    for n, extra in enumerate([(), ("train.threads=2",), ("train.eval_every=2",)]):
        cfg = make_cfg(*FAST, "model.dropout=0.3", "train.chunk_size=2", *extra)
        run(cfg, tmp_path / str(n))
        arrays.append(np.load(tmp_path / str(n) / "observations.npz")["log_probs"])
    assert np.array_equal(arrays[0], arrays[1]) and np.array_equal(arrays[0], arrays[2])
