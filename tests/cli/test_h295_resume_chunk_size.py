"""A run interrupted under train.chunk_size=32 and resumed with null (or the reverse) was
refused as a changed setting ("train.chunk_size: 32 -> null ... a resume would mix the
two"), though null stacks 32 models a chunk: the same chunks. It now resumes under the saved
value (results.json keeps it); where null trains each model alone (a CPU and a model above
CPU_STACK_MAX_FLOP a batch) the change is still refused (helper h295)."""

from __future__ import annotations

import json

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import ConfigError
from tests.helpers import FAST

TINY = [*FAST, "plan.num_models=2"]


def _interrupted(make_cfg, run_dir, chunk: str, *extra: str) -> None:
    """A run under ``train.chunk_size=chunk`` stopped after its first model was saved."""
    run(make_cfg(*TINY, *extra, f"train.chunk_size={chunk}"), run_dir)
    (run_dir / "checkpoints" / "model_0001.pt").unlink()
    payload = json.loads((run_dir / "results.json").read_text())
    (run_dir / "results.json").write_text(json.dumps({**payload, "status": "interrupted"}))


@pytest.mark.parametrize(("first", "then"), [("32", "null"), ("null", "32")])
def test_null_and_32_resume_alike(make_cfg, tmp_path, first, then):
    _interrupted(make_cfg, tmp_path, first)
    run(make_cfg(*TINY, f"train.chunk_size={then}"), tmp_path)
    payload = json.loads((tmp_path / "results.json").read_text())
    assert payload["status"] == "complete"
    assert payload["config"]["train"]["chunk_size"] == json.loads(first)  # as it trained


def test_null_training_alone_is_not_32(make_cfg, tmp_path):
    wide = "model.hidden=[2048]"  # 19 MFLOP a batch of 64 digits: alone on a CPU under null
    _interrupted(make_cfg, tmp_path, "null", wide, "train.device=cpu")
    with pytest.raises(ConfigError, match=r"train\.chunk_size: null -> 32.*Resume with "
                       r"train\.chunk_size=null"):
        run(make_cfg(*TINY, wide, "train.device=cpu", "train.chunk_size=32"), tmp_path)
    assert not (tmp_path / "checkpoints" / "model_0001.pt").exists()  # nothing trained


def test_a_run_built_without_config_is_left_as_it_is(tmp_path, monkeypatch):
    # the Python API's experiment may hold no config: nothing to rewrite (its fingerprint
    # stays None), where a train section was made up from nothing
    import mia_defense.pipeline.train as stage
    from mia_defense.pipeline.spec import Experiment, PlanConfig
    from mia_defense.training.config import TrainConfig

    monkeypatch.setattr(stage, "_null_chunk", lambda experiment, data: 32)
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "model_0000.pt").write_bytes(b"x")
    (tmp_path / "results.json").write_text(json.dumps(
        {"status": "interrupted", "config": {"train": {"chunk_size": 32}}}))
    experiment = Experiment(dataset=None, build_model=None, train=TrainConfig(),
                            plan=PlanConfig(), attacks={})
    assert stage.saved_chunking(experiment, None, tmp_path) is experiment
