"""A word for a launcher's integer setting (``hydra.launcher.n_jobs=abc``,
``timeout_min=abc``, ``cpus_per_task=abc``) ended in OmegaConf's wording, "value 'abc' of type
'str' could not be converted to Integer; full_key: ...; object_type=LocalQueueConf": no word
of what the key takes nor what to write. Now: the key, what it takes, and an example."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train


@pytest.mark.parametrize(("launcher", "given", "takes", "example"), [
    ("joblib", "hydra.launcher.n_jobs=abc", "a whole number", "hydra.launcher.n_jobs=2"),
    ("submitit_local", "hydra.launcher.timeout_min=abc", "a whole number",
     "hydra.launcher.timeout_min=60"),
    ("submitit_local", "hydra.launcher.cpus_per_task=abc", "a whole number",
     "hydra.launcher.cpus_per_task=1"),
])  # fmt: skip
def test_a_word_for_a_launcher_count_says_what_to_write(tmp_path, launcher, given, takes,
                                                        example):
    if launcher == "joblib":
        pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    else:
        pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    done = mia_train("-m", f"launcher={launcher}", given, "seed=1,2",
                     f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    key = given.partition("=")[0]
    assert f"{key} takes {takes}" in lines[0], lines[0]
    assert f"e.g. {example}" in lines[0], lines[0]
    assert "could not be converted" not in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_a_word_for_a_flag_of_hydra_says_true_or_false(tmp_path):
    done = mia_train("hydra.job.chdir=maybe", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "hydra.job.chdir takes true or false" in done.stderr, done.stderr[-2000:]
    assert "e.g. hydra.job.chdir=false" in done.stderr
