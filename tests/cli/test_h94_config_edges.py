"""mia-train config edges found by helper h94: a non-UTF-8 byte in an override (the run's
log file), a model too large for memory (refused before it is built), sizes past int64,
RelaxLoss's ``upper`` below chance, a rounding release that rounds nothing."""

from __future__ import annotations

import json
import os

import numpy as np

from tests.helpers import LEAN_ATTACKS, mia_train

TINY = ["plan.num_models=2", "train.epochs=1", *LEAN_ATTACKS]


def test_a_non_utf8_file_name_is_logged_escaped_and_the_run_exits_0(tmp_path) -> None:
    """dataset.path with a Latin-1 byte (a lone surrogate in Python): train.log could not
    take it, so a complete run ended as failed (exit 2)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5)).astype("float32")
    np.savez(tmp_path / "d.npz", x=x, y=(x[:, 0] > 0).astype("int64"))
    name = os.fsdecode(b"caf\xe9.npz")
    os.rename(tmp_path / "d.npz", tmp_path / name)
    run_dir = tmp_path / "run"
    done = mia_train("dataset=npz", f"dataset.path='{tmp_path / name}'", *TINY,
                     f"hydra.run.dir={run_dir}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "could not be written" not in done.stderr
    assert json.loads((run_dir / "results.json").read_text())["status"] == "complete"
    # named as refusals name a path (constraints.shown_path, h489): $'.../caf\xe9.npz'
    assert "caf\\xe9.npz'" in (run_dir / "train.log").read_text()
