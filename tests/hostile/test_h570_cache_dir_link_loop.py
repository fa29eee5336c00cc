"""A cache_dir that is a link loop (``ln -s L L``; ``mia-train cache_dir=L``, or a folder
inside it) ended in a traceback, "RuntimeError: Symlink loop from 'L'", from the check that
the store lies in no run's checkpoint folder (``Path.resolve``), before the check of a
blocked store root could refuse it in one line (h564's left-over)."""

from __future__ import annotations

import os

import pytest

from tests.helpers import mia_train


@pytest.mark.parametrize("cache_dir", ["L", "L/store"])
def test_a_store_in_a_link_loop_is_refused_in_one_line(tmp_path, cache_dir) -> None:
    os.symlink("L", tmp_path / "L")
    done = mia_train(f"cache_dir={cache_dir}", "train.epochs=1", "plan.num_models=2",
                     "plan.population_size=200", "progress=false",
                     f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "RuntimeError" not in done.stderr
    said = f"cache_dir={tmp_path / cache_dir}: cannot use it as the model store ("
    assert said in done.stderr, done.stderr[-3000:]
    assert "a link to no folder" in done.stderr
    assert not (tmp_path / "run").exists()
