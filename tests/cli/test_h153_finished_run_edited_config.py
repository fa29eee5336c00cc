"""mia-train started again on a finished run whose results.json config was edited after the
run (``config.train.lr`` 0.01 to 0.5, then ``mia-train train.lr=0.5`` into that folder: a
sweep re-launched with the edited value) skipped it as its own finished run (exit 0,
'skipping finished run'), its figures taken as those of a config that never trained its
models. The config's fingerprint is now checked against the one stamped on the run's first
checkpoint (as mia-attack and mia-report check it), and the run is refused, nothing
changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import LEAN_ATTACKS, mia_train

TINY = ["plan.num_models=2", "train.epochs=1", "progress=false", "train.lr=0.01",
        *LEAN_ATTACKS]  # fmt: skip


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished tiny run, to be copied, never written into."""
    root = tmp_path_factory.mktemp("h153_run")
    done = mia_train(*TINY, "hydra.run.dir=run", cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    return root / "run"


def _edit_lr(run: Path, lr: float) -> None:
    path = run / "results.json"
    payload = json.loads(path.read_text())
    payload["config"]["train"]["lr"] = lr
    path.write_text(json.dumps(payload, indent=2))


def test_a_finished_run_whose_config_was_edited_is_refused_not_skipped(finished, tmp_path):
    run = Path(shutil.copytree(finished, tmp_path / "run"))
    _edit_lr(run, 0.5)
    before = {p.name: p.read_bytes() for p in (run / "results.json", run / "observations.npz")}
    args = [a for a in TINY if not a.startswith("train.lr=")]
    done = mia_train(*args, "train.lr=0.5", f"hydra.run.dir={run}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "skipping finished run" not in done.stderr
    assert (f"ConfigError: {run / 'results.json'}: results.json's config (with data_fingerprint "
            "and versions.training_code) is not the one that trained the run's models: "
            "checkpoints/model_0000.pt, the file the run wrote, was trained under fingerprint "
            ) in done.stderr  # fmt: skip
    assert "put the run's own results.json back" in done.stderr
    assert "nothing was changed" in done.stderr
    assert "Traceback" not in done.stderr
    after = {p.name: p.read_bytes() for p in (run / "results.json", run / "observations.npz")}
    assert after == before


def test_the_same_run_unedited_is_still_skipped(finished, tmp_path):
    run = Path(shutil.copytree(finished, tmp_path / "run"))
    done = mia_train(*TINY, f"hydra.run.dir={run}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "skipping finished run" in done.stderr
