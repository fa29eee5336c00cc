"""Leftovers of sweeps' bookkeeping (h286).

A point of ``mia-train -m`` (or ``mia-attack -m``) whose results could not be written (a
full disk, a read-only folder) was told to 'choose a writable run directory
(hydra.run.dir=...)', a setting a sweep's points do not read: their folders are
hydra.sweep.dir's. ``hydra.sweep.subdir`` naming a file of the sweep (multirun.1.yaml, an
earlier sweep's record) ended the sweep on Hydra's mkdir ('File exists'), told to free disk
space and run the same command again. A sweep into another sweep's HParams folder
(``hydra.sweep.dir=S/sweep_hparams``) deleted S's experiment config as it ended."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

import pytest

import mia_defense.cli.build as build
from mia_defense.cli import stopped
from tests.helpers import mia_train


@pytest.mark.parametrize(
    ("mode", "folder", "advice"),
    [(("-m",), "hydra.sweep.dir=s", "choose a writable sweep directory (hydra.sweep.dir=...)"),
     ((), "hydra.run.dir=s", "choose a writable run directory (hydra.run.dir=...)")],
    ids=["sweep", "single"],
)  # fmt: skip
def test_a_write_that_failed_names_the_setting_of_the_runs_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: tuple[str, ...], folder: str, advice: str
) -> None:
    from mia_defense.files import atomic_write

    @contextlib.contextmanager
    def full(cfg, run_dir, **kwargs):
        def write(handle: object) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        atomic_write(run_dir / "results.json", write)
        yield  # (never reached)

    monkeypatch.setattr(build, "claimed_run", full)
    done = mia_train(*mode, "train.lr=0.1", folder, "progress=false", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"No space left on device); free disk space or {advice}" in done.stderr
    other = "hydra.run.dir" if "sweep" in advice else "hydra.sweep.dir"
    assert other not in done.stderr.split("cannot write it")[1].splitlines()[0]


@pytest.mark.parametrize("mode", [("-m", "hydra.sweep.dir=s"), ("hydra.run.dir=s",)],
                         ids=["sweep", "single"])
def test_a_write_of_mia_attack_that_failed_names_the_setting_of_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: tuple[str, ...]
) -> None:
    import mia_defense.cli.attack as attack
    from mia_defense.files import atomic_write
    from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations

    def full(cfg, run_dir, **kwargs):
        def write(handle: object) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        atomic_write(run_dir / "results.json", write)

    synthetic_observations(num_models=2, num_samples=20, num_classes=2).save(tmp_path / "o.npz")
    monkeypatch.setattr(attack, "run", full)
    done = mia_attack(*mode, "o.npz", *LEAN_ATTACKS, "progress=false", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    setting = mode[-1].split("=")[0]
    kind = "sweep" if mode[0] == "-m" else "run"
    assert f"free disk space or choose a writable {kind} directory ({setting}=...)" in done.stderr


@pytest.mark.parametrize("kind", ["file", "link"])
def test_a_subdir_naming_a_file_of_the_sweep_is_refused_before_any_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    # hydra.sweep.subdir=multirun.1.yaml (the copy of a finished sweep's record) ended the
    # sweep on Hydra's mkdir ('File exists'), told to free disk space and run it again
    from mia_defense.cli.run_dirs import refuse_escaping_subdir

    record = tmp_path / "multirun.1.yaml"
    if kind == "file":
        record.write_text("hydra: {}\n")
    else:
        record.symlink_to(tmp_path / "gone")
    with pytest.raises(SystemExit) as stopped:
        refuse_escaping_subdir(str(tmp_path), record.name)
    assert stopped.value.code == 2
    what = "a file" if kind == "file" else "a link to no folder"
    assert caplog.messages == [
        f"ConfigError: hydra.sweep.subdir=multirun.1.yaml puts a run at {record}, which is "
        f"{what}, not a run's folder; nothing was run, and it is left as it is. Leave "
        "hydra.sweep.subdir at its default, or name a folder"]
    assert kind == "link" or record.read_text() == "hydra: {}\n"


def test_a_sweep_record_not_written_for_want_of_a_folder_is_not_told_to_free_space(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sweep_end
) -> None:

    sweep_end.start(tmp_path)
    blocked = tmp_path / "job" / ".hydra"
    with pytest.raises(SystemExit):
        stopped._end_sweep_unrecorded(FileExistsError(errno.EEXIST, "File exists", str(blocked)))
    said = capsys.readouterr().err.strip().splitlines()[-1]
    assert said == (f"DataError: {blocked}: cannot write it (File exists); the sweep's runs are "
                    "kept (each its results.json): make it writable or move away what stands in "
                    "its place and run the same command again to write it (finished runs are "
                    "read back, not run again)")  # fmt: skip


@pytest.mark.parametrize("where", ["sweep_hparams", "sweep_hparams/inner", "subdir"])
def test_no_run_or_sweep_goes_into_a_sweeps_hparams_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    # mia-train -m ... hydra.sweep.dir=S/sweep_hparams deleted S's HParams experiment config
    # as it ended (the config an earlier version wrote in a sweep's own folder is removed);
    # hydra.sweep.subdir=sweep_hparams put a run beside it
    from mia_defense.cli.run_dirs import (
        _SWEEP_HPARAMS,
        refuse_escaping_subdir,
        refuse_inside_a_run,
    )
    from mia_defense.tracking.hparams import SWEEP_EXPERIMENT_DIR

    assert _SWEEP_HPARAMS == SWEEP_EXPERIMENT_DIR
    sweep = tmp_path / "S"
    (sweep / SWEEP_EXPERIMENT_DIR).mkdir(parents=True)
    (sweep / "multirun.yaml").write_text("hydra: {}\n")
    with pytest.raises(SystemExit) as stopped:
        if where == "subdir":
            refuse_escaping_subdir(str(sweep), SWEEP_EXPERIMENT_DIR)
        else:
            refuse_inside_a_run(str(sweep / where), key="hydra.sweep.dir")
    assert stopped.value.code == 2
    assert f"{sweep / SWEEP_EXPERIMENT_DIR}, the folder of the HParams experiment config" in (
        caplog.text)
    refuse_inside_a_run(str(tmp_path / "elsewhere" / SWEEP_EXPERIMENT_DIR), key="hydra.sweep.dir")


@pytest.mark.parametrize("setting", ["hydra.run.dir", "hydra.sweep.dir"])
def test_a_folder_refusal_before_training_names_the_setting_of_the_runs_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    # the checkpoint folder's permissions told a sweep's point to set hydra.run.dir, which
    # its folder does not follow
    import mia_defense.pipeline.train as train
    from mia_defense.errors import DataError
    from mia_defense.files import RUN_FOLDER_SETTING

    token = RUN_FOLDER_SETTING.set(setting)
    try:
        monkeypatch.setattr(train.os, "access", lambda path, mode: False)
        with pytest.raises(DataError, match=rf"a new directory \({setting}=\.\.\.\)"):
            train._refuse_unusable_folder(tmp_path, 2)
    finally:
        RUN_FOLDER_SETTING.reset(token)
