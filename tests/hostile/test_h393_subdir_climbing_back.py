"""A ``hydra.sweep.subdir`` whose '..' stays inside the sweep directory
(``a${hydra.job.num}/../b``) put every run in ``b``: the first trained there, each later one
was refused on its results as a run of another config, and the sweep ended 'every run of this
sweep was refused (1 of 1; nothing was trained ...)', though one had trained. Now refused
before anything runs, as a '..' that climbs out is (h393)."""

from __future__ import annotations

import pytest

from tests.helpers import FAST, mia_train

TINY = ("plan.num_models=2", "plan.population_size=200", "progress=false", *FAST)


def test_a_subdir_climbing_back_inside_the_sweep_is_refused_before_anything_runs(tmp_path):
    done = mia_train("-m", "seed=1,2", *TINY, "hydra.sweep.dir=s",
                     "hydra.sweep.subdir=a${hydra.job.num}/../b", cwd=tmp_path)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-3000:]
    assert (f"ConfigError: hydra.sweep.subdir=a0/../b climbs back with '..' (to "
            f"{tmp_path / 's' / 'b'}), dropping the name before it") in said  # fmt: skip
    assert "nothing was trained" not in said
    assert not list(tmp_path.glob("s/**/results.json"))


@pytest.mark.parametrize("subdir", ["a/b", "a..b/c", "..a", "a/./b"])
def test_a_subdir_without_a_climb_is_let_through(tmp_path, subdir):
    from mia_defense.cli.run_dirs import refuse_escaping_subdir

    refuse_escaping_subdir(str(tmp_path), subdir)  # (no SystemExit)


def test_a_subdir_climbing_back_is_refused_per_job(tmp_path, caplog):
    from mia_defense.cli.run_dirs import refuse_escaping_subdir

    with pytest.raises(SystemExit) as stopped:
        refuse_escaping_subdir(str(tmp_path), "x=1/../x=2")
    assert stopped.value.code == 2
    assert caplog.messages[-1].startswith(
        "ConfigError: hydra.sweep.subdir=x=1/../x=2 climbs back with '..'")
