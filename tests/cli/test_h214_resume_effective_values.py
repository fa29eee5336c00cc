"""A resume compared train.chunk_size and attack.fprs as written, not as the code uses
them (h214): a run saved under train.chunk_size=32 resumed with it unset (null, which is 32
here, or every model at once when there are fewer) was refused as another chunk size; and
attack.fprs in another order (every reader sorts them) was another config. A null chunk
size is now resolved as training resolves it (on a CPU a model too costly to stack trains
in the per-model loop, so null is not always 32, nor 1: a stack of one rounds otherwise)
and the FPRs are compared sorted."""

from __future__ import annotations

import pytest
import torch

from mia_defense.errors import ConfigError
from mia_defense.tracking.run_dir import config_differences, finished_run, mark_run
from mia_defense.training import ensemble
from mia_defense.training.checkpoints import load_checkpoint
from tests.helpers import FAST


def _lost_results(make_cfg, run_dir, chunk: str) -> None:
    """A run of 2 models, interrupted before model 1 was saved, its results.json lost."""
    from mia_defense.cli.train import run

    run(make_cfg(*FAST, "plan.num_models=2", f"train.chunk_size={chunk}"), run_dir)
    (run_dir / "results.json").unlink()
    (run_dir / "checkpoints" / "model_0001.pt").unlink()


def test_a_resume_with_chunk_size_null_of_a_run_saved_under_what_null_is(make_cfg, tmp_path):
    from mia_defense.cli.train import run

    _lost_results(make_cfg, tmp_path / "run", "32")  # 2 models: one chunk of both
    run(make_cfg(*FAST, "plan.num_models=2", "train.chunk_size=null"), tmp_path / "run")
    assert (tmp_path / "run" / "checkpoints" / "model_0001.pt").is_file()
    _lost_results(make_cfg, tmp_path / "other", "32")
    with pytest.raises(ConfigError, match=r"\(train.chunk_size: 32 -> 1\).*Resume with "
                       r"train.chunk_size=32"):  # one at a time is other chunks: refused
        run(make_cfg(*FAST, "plan.num_models=2", "train.chunk_size=1"), tmp_path / "other")


def test_null_is_one_at_a_time_for_a_model_too_costly_to_stack_on_a_cpu(
    make_cfg, tmp_path, monkeypatch
):
    from mia_defense.cli.train import run

    monkeypatch.setattr(ensemble, "CPU_STACK_MAX_FLOP", 0)  # every model is 'too costly'
    _lost_results(make_cfg, tmp_path / "run", "null")
    for chunk in (2, 1):  # a stack of one rounds otherwise than the per-model loop
        with pytest.raises(ConfigError, match=rf"\(train.chunk_size: null -> {chunk}\)"):
            run(make_cfg(*FAST, "plan.num_models=2", f"train.chunk_size={chunk}"),
                tmp_path / "run")
    run(make_cfg(*FAST, "plan.num_models=2", "train.chunk_size=null"), tmp_path / "run")
    # the models an uninterrupted run trains: the same
    run(make_cfg(*FAST, "plan.num_models=2", "train.chunk_size=null"), tmp_path / "whole")
    for k in range(2):
        resumed, whole = (load_checkpoint(tmp_path / d / "checkpoints" / f"model_000{k}.pt")
                          for d in ("run", "whole"))  # fmt: skip
        for name, value in whole["state_dict"].items():
            assert torch.equal(resumed["state_dict"][name], value), (k, name)


def _config(chunk_size=None, fprs=(0.1, 0.01)):
    return {"seed": 0, "train": {"chunk_size": chunk_size, "threads": 1, "device": "cpu"},
            "attack": {"fprs": list(fprs)}}


def test_results_json_leaves_a_null_chunk_size_to_the_saved_models(tmp_path):
    mark_run(tmp_path, status="interrupted", config=_config(32), data_fingerprint="d")
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "model_0000.pt").write_bytes(b"saved")
    assert finished_run(tmp_path, config=_config(None), data_fingerprint="d") is None
    with pytest.raises(ConfigError, match=r"train\.chunk_size: 32 -> 2"):  # still refused
        finished_run(tmp_path, config=_config(2), data_fingerprint="d")


def test_fprs_in_another_order_are_the_same_run(tmp_path):
    assert config_differences(_config(), _config(fprs=(0.01, 0.1))) == []
    assert config_differences(_config(), _config(fprs=(0.01, 0.2))) == [
        "attack.fprs: [0.1, 0.01] -> [0.01, 0.2]"]
    mark_run(tmp_path, status="complete", config=_config(), data_fingerprint="d")
    assert finished_run(tmp_path, config=_config(fprs=(0.01, 0.1)), data_fingerprint="d")
