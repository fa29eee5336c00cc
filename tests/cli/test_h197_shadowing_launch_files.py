"""A file in the launch folder named like a module the launcher's job processes import as
they start (``joblib.py``, ``numpy.py``; ``hydra.py`` or a ``submitit/`` package for
submitit) was imported and run in every job process: joblib's loky workers and submitit's
jobs start as ``python -m ...`` in that folder, which leads their ``sys.path`` (h197; a
file that started a sweep started sweeps without end). Such a sweep is refused before
anything runs. Nothing here starts a worker with the fix in place (n_jobs=2 without it)."""

from __future__ import annotations

import sys

import pytest
from omegaconf import OmegaConf

from mia_defense.cli.user_code import refuse_shadowing_files
from tests.helpers import mia_train

TINY = ["seed=0,1", "plan.num_models=2", "plan.population_size=200", "progress=false",
        "figures=false", "train.epochs=1", "attack.bootstrap=0"]  # fmt: skip
JOBLIB = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"


def _config(folder, target=JOBLIB, **launcher):  # type: ignore[no-untyped-def]
    return OmegaConf.create({"hydra": {"launcher": {"_target_": target, **launcher},
                                       "runtime": {"cwd": str(folder)}}})  # fmt: skip


@pytest.mark.parametrize(("made", "launcher"), [
    ("numpy.py", "launcher=joblib"), ("joblib.py", "launcher=joblib"),
    ("submitit/__init__.py", "launcher=submitit_local"),
])  # fmt: skip
def test_a_sweep_launched_beside_a_shadowing_file_is_refused(tmp_path, made, launcher):
    (tmp_path / made).parent.mkdir(exist_ok=True)
    (tmp_path / made).write_text("")  # (harmless if imported)
    extra = ["hydra.launcher.n_jobs=2"] if "joblib" in launcher else []
    done = mia_train("-m", launcher, *extra, *TINY, "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    shown = made.split("/")[0] + ("/" if "/" in made else "")
    assert f"ConfigError: {shown} (module '{made.split('/')[0].split('.')[0]}')" in done.stderr
    assert "Rename it" in done.stderr and "launch from another folder" in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_only_launchers_that_start_python_processes_and_real_shadows(tmp_path):
    (tmp_path / "numpy.py").write_text("")
    (tmp_path / "pytest").mkdir()  # a folder without __init__.py: found only after the real
    (tmp_path / "json.txt").write_text("")  # not a module
    basic = "hydra._internal.core_plugins.basic_launcher.BasicLauncher"
    refuse_shadowing_files(_config(tmp_path, basic))
    refuse_shadowing_files(_config(tmp_path, backend="threading"))
    with pytest.raises(SystemExit):
        refuse_shadowing_files(_config(tmp_path, backend="loky"))
    (tmp_path / "numpy.py").unlink()
    refuse_shadowing_files(_config(tmp_path))


def test_a_module_imported_from_the_launch_folder_itself_is_no_shadow(tmp_path, monkeypatch):
    """The repository's own mia_defense/ (launching from a checkout), a user's ``_target_``
    module: the job processes import the same file."""
    (tmp_path / "h197_own_module.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    import h197_own_module  # noqa: F401

    try:
        refuse_shadowing_files(_config(tmp_path))
    finally:
        sys.modules.pop("h197_own_module", None)
