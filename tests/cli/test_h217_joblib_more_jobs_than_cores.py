"""``launcher=joblib hydra.launcher.n_jobs=8`` on 2 cores: 6 tiny runs took 28.5 s against
15.2 s with n_jobs=2 (each process imports torch and holds it), without a word."""

from __future__ import annotations

import pytest

import mia_defense.budget as budget
from tests.helpers import mia_train

SAID = "asks for {} cores, and 2 are usable here"


@pytest.mark.parametrize(("settings", "asked"), [
    (["hydra.launcher.n_jobs=3"], 3),
    (["hydra.launcher.n_jobs=2", "train.threads=2"], 4),
    (["hydra.launcher.n_jobs=2", "train.threads=0"], 4),  # (0: every usable core)
    (["hydra.launcher.n_jobs=2"], None),
    (["hydra.launcher.n_jobs=-1"], None),
])  # fmt: skip
def test_more_joblib_processes_than_cores_are_warned_of(tmp_path, monkeypatch, settings, asked):
    monkeypatch.setattr(budget, "usable_cores", lambda: 2)
    # seed=1,1,1 (3 points: 3 workers at most) is refused after the warning, before any
    # process starts
    done = mia_train("-m", "launcher=joblib", *settings, "seed=1,1,1", "plan.num_models=2",
                     f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "seed=1,1" in done.stderr
    if asked is None:
        assert "are usable here" not in done.stderr
    else:
        assert SAID.format(asked) in done.stderr, done.stderr[-2000:]
