"""A sweep started again after the checkout it ran in moved (a study resumed from its new
place): mia-train compared the whole multirun.yaml, whose hydra.runtime.cwd (and a study's
cache_dir under it) name the checkout, so it kept the sweep's own record as an earlier
sweep's multirun.1.yaml, and the study then refused to record its tables ("runs of an
earlier sweep with other settings lie beside the study's")."""

import shutil

import pytest

from tests.helpers import mia_train


@pytest.mark.slow  # (an end-to-end search or sweep in subprocesses: 1.6-3.7 s)
def test_a_sweep_resumed_after_its_checkout_moved_keeps_no_earlier_record(tmp_path):
    first, moved = tmp_path / "checkout", tmp_path / "moved"
    first.mkdir()

    def sweep(checkout):
        return mia_train("-m", "plan.num_models=2", "plan.population_size=300",
                         "train.epochs=1,2", "attack.bootstrap=0", "progress=false",
                         "figures=false", f"cache_dir={checkout / 'store'}",
                         "hydra.sweep.dir=sweep", cwd=checkout)  # fmt: skip

    assert sweep(first).returncode == 0
    shutil.move(first, moved)
    done = sweep(moved)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in (moved / "sweep").glob("multirun*.yaml")) == ["multirun.yaml"]
    assert str(moved) in (moved / "sweep" / "multirun.yaml").read_text()
    # another sweep into the same folder is still kept apart
    mia_train("-m", "plan.num_models=2", "plan.population_size=300", "train.epochs=1,3",
              "attack.bootstrap=0", "progress=false", "figures=false",
              f"cache_dir={moved / 'store'}", "hydra.sweep.dir=sweep", cwd=moved)
    assert (moved / "sweep" / "multirun.1.yaml").is_file()
