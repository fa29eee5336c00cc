"""A run whose results.json was lost (deleted, or a folder copied without it) resumed from
its checkpoints under another train.chunk_size or device: the check of those settings
(`resume_differences`) reads them from results.json's config, so without it the saved
models were finished by a chunk of other draws and rounding, a mix neither setting gives.
Each checkpoint now records them, and a resume under others is refused before anything is
trained or written."""

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import ConfigError
from mia_defense.training.checkpoints import load_checkpoint
from tests.helpers import FAST


def test_a_resume_without_results_json_under_another_chunk_size_is_refused(
    make_cfg, tmp_path
):
    run_dir = tmp_path / "run"
    run(make_cfg(*FAST, "plan.num_models=2", "train.chunk_size=1"), run_dir)
    (run_dir / "results.json").unlink()  # lost; model 1 not saved yet
    (run_dir / "checkpoints" / "model_0001.pt").unlink()
    with pytest.raises(ConfigError, match=r"model_0000.pt was trained under other settings "
                       r"\(train.chunk_size: 1 -> 2\).*Resume with train.chunk_size=1"):
        run(make_cfg(*FAST, "plan.num_models=2", "train.chunk_size=2"), run_dir)
    assert not (run_dir / "results.json").exists()  # refused before anything was written
    assert not (run_dir / "checkpoints" / "model_0001.pt").exists()
    run(make_cfg(*FAST, "plan.num_models=2", "train.chunk_size=1"), run_dir)  # the same: resumed
    assert (run_dir / "results.json").is_file()
    saved = load_checkpoint(run_dir / "checkpoints" / "model_0001.pt")
    assert saved["settings"] == {"train.chunk_size": 1, "train.device": "cpu",
                                 "train.threads": 1}
