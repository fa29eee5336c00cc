"""Checkpoints a run writes from a model store entry record the settings they trained under
(train.chunk_size and the device), as the checkpoints training writes do (h110). Without
them a resume under another chunk size, its results.json lost (a kill while the entry's
models were being written), finished the ensemble beside them with no word: the models of
two chunkings in one run."""

from __future__ import annotations

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import ConfigError
from mia_defense.training.checkpoints import checkpoint_path, load_checkpoint
from tests.helpers import FAST


def test_checkpoints_from_the_store_refuse_a_resume_under_another_chunk_size(make_cfg, tmp_path):
    store = f"cache_dir={tmp_path / 'store'}"
    run(make_cfg(*FAST, "train.chunk_size=1", store), tmp_path / "first")
    reused = tmp_path / "reused"
    run(make_cfg(*FAST, "train.chunk_size=1", store, "release=topk"), reused)
    first = checkpoint_path(reused / "checkpoints", 0)
    assert load_checkpoint(first)["settings"] == {"train.chunk_size": 1, "train.device": "cpu",
                                                "train.threads": 1}

    # killed while the entry's models were written, results.json lost
    (reused / "results.json").unlink()
    checkpoint_path(reused / "checkpoints", 1).unlink()
    with pytest.raises(ConfigError, match=r"model_0000\.pt was trained under other settings "
                       r"\(train\.chunk_size: 1 -> 2\)"):
        run(make_cfg(*FAST, "train.chunk_size=2", "release=topk"), reused)
    assert not checkpoint_path(reused / "checkpoints", 1).exists()
