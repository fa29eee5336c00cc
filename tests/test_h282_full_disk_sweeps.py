"""A full disk during sweeps (leftovers of h279's single-run fixes).

A point of ``mia-train -m`` that trained but could not record ``failed`` (the disk full to
its last block: results.json still says ``running``) was listed at the sweep's end as
"refused (nothing was run there; fix the value ...)", and a sweep of such points ended
"every run of this sweep was refused ... nothing was trained" (by hand: a 196k tmpfs).
An Optuna search's record (optuna_search.json) that a full disk kept from being written
was wrapped in advice for other settings, and a file too large for the file system or
``ulimit -f`` (EFBIG) was told to free disk space (the model store's entry too). A point
refused as it could not write was told to fix its value, a new sweep folder on a full disk
to point hydra.sweep.dir at a writable directory, and Optuna's optimization_results.yaml
on a full disk after the trials ended in a traceback."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from mia_defense.cli import stopped
from mia_defense.errors import DataError
from mia_defense.tracking import write_json


def test_a_point_that_could_not_record_its_failure_is_not_said_to_be_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sweep_end
) -> None:
    trained, in_use, refused = (tmp_path / name for name in ("a", "b", "c"))
    said = {trained: "DataError: a/observations.npz: cannot write it (No space left on device)",
            in_use: "ConfigError: b is in use by pid 1 on host; wait for that run to end",
            refused: "ConfigError: c: train.lr=-1 must be > 0"}  # fmt: skip
    summary, config = sweep_end.start(tmp_path, runs=list(said), failed=list(said.items()))
    for run_dir in (trained, in_use):  # (b's is the run that held it: killed since)
        write_json(run_dir / "results.json", {"status": "running", "config": {}})
    summary.on_multirun_end(config)
    err = "".join(capsys.readouterr())
    assert "every run of this sweep was refused" not in err
    refusals_said, failed = err.split("2 run(s) of this sweep were refused")[1].split(
        "1 run(s) of this sweep failed after they began and could not record it (results.json "
        "still says running")  # fmt: skip
    assert said[in_use] in refusals_said and said[refused] in refusals_said
    assert said[trained] not in refusals_said
    assert said[trained] in failed.split("\n\n")[0]


@pytest.mark.parametrize(
    ("number", "advice"),
    [(errno.ENOSPC, "Free disk space or choose a writable hydra.sweep.dir"),
     (errno.EFBIG, "The file is larger than this file system or `ulimit -f` allows: raise the "
                   "limit or write elsewhere (hydra.sweep.dir=...)")],
    ids=["full", "too-large"],
)  # fmt: skip
def test_an_optuna_search_record_that_cannot_be_written_is_one_line_for_the_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    number: int, advice: str,
) -> None:
    # optuna_search.json's DataError was wrapped as 'hydra.sweep.dir=...: cannot be checked
    # (DataError: ...; free disk space or choose a writable run directory (hydra.run.dir=...))
    # ... Point hydra.sweep.dir at a new or empty directory'; a file too large (ulimit -f, a
    # FAT32 disk) was told to free disk space
    from mia_defense.cli.run_dirs import refuse_other_search

    config = OmegaConf.create({"hydra": {
        "sweep": {"dir": str(tmp_path)}, "overrides": {"task": []},
        "sweeper": {"_target_": "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper."
                                "OptunaSweeper", "params": {"train.lr": "interval(0.1, 1)"},
                    "direction": "minimize"}}})  # fmt: skip

    def failed(fd: int) -> None:
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr(os, "fsync", failed)
    with pytest.raises(SystemExit) as stopped:
        refuse_other_search(config)
    assert stopped.value.code == 2
    (line,) = caplog.messages
    assert line == (f"DataError: {tmp_path / 'optuna_search.json'}: cannot write it "
                    f"({os.strerror(number)}); nothing was run. {advice}")  # fmt: skip
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("number", "advice"),
    [(errno.ENOSPC, "free disk space or choose a writable run directory (hydra.run.dir=...)"),
     (errno.EFBIG, "the file is larger than this file system or `ulimit -f` allows: raise the "
                   "limit or write elsewhere (hydra.run.dir=...)")],
    ids=["full", "too-large"],
)  # fmt: skip
def test_a_file_too_large_is_not_told_to_free_disk_space(tmp_path, monkeypatch, number, advice):
    from mia_defense.files import atomic_write

    def failed(handle: object) -> None:
        raise OSError(number, os.strerror(number))

    with pytest.raises(DataError) as exc:
        atomic_write(tmp_path / "results.json", failed)
    assert str(exc.value) == (f"{tmp_path / 'results.json'}: cannot write it "
                              f"({os.strerror(number)}); {advice}")  # fmt: skip


def test_a_point_refused_as_it_could_not_write_is_not_told_to_fix_the_value(tmp_path, capsys):
    # a sweep started on a full disk: a point whose results.json ('running') could not be
    # written was listed under 'fix the value and run the same command again'
    from mia_defense.cli.sweep_refusals import print_refused

    full = (tmp_path / "a", f"DataError: {tmp_path / 'a' / 'results.json'}: cannot write it (No "
            "space left on device); free disk space or choose a writable run directory")
    bad = (tmp_path / "b", "ConfigError: train.lr=-1: must be > 0")
    fix = "fix the value and run the same command again"
    space = "do as its line says (free disk space, most often), then run the same command again"
    print_refused([full], nothing="nothing was run there", fix=fix)
    said = capsys.readouterr().out
    assert f"(nothing was run there; each could not write a file there: {space}):" in said
    assert fix not in said
    print_refused([full, bad], nothing="nothing was run there", fix=fix)
    said = capsys.readouterr().out
    assert f"(nothing was run there; {fix}):" in said
    assert f"  (1 of them: nothing to fix, a file could not be written: {space})" in said


def test_a_model_store_entry_too_large_is_not_told_to_free_disk_space(tmp_path, monkeypatch,
                                                                       caplog):
    # (a store on a FAT32 disk: an entry of K models past 4 GB)
    import logging

    import torch
    from torch import nn

    import mia_defense.store as store
    from mia_defense.files import atomic_write
    from mia_defense.training.checkpoints import checkpoint_path, save_model
    from mia_defense.training.loop import Ensemble, EpochRecord, ModelHistory

    def train():
        torch.manual_seed(0)
        save_model(checkpoint_path(tmp_path / "run", 0), nn.Linear(2, 2), ModelHistory(
            epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={}), fingerprint="f")
        return Ensemble(models=[], histories=[], engine="stacked", fallback_reason=None)

    def too_large(path, write):
        def failed(handle):
            raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))

        atomic_write(path, failed)

    monkeypatch.setattr(store, "atomic_write", too_large)
    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    store.ModelStore(tmp_path / "store").train_once(
        ("d" * 64, {}), train, checkpoint_dir=tmp_path / "run", fingerprint="f", num_models=1,
        stage="model")
    assert ("not written (File too large); the run goes on with the models it trained. The file "
            "is larger than this file system or `ulimit -f` allows: raise the limit or write "
            "elsewhere (cache_dir=..., or cache_dir=null for no store)") in caplog.text


@pytest.mark.parametrize(
    ("number", "advice"),
    [(errno.ENOSPC, "free disk space or point hydra.sweep.dir at a writable directory"),
     (errno.EACCES, "point hydra.sweep.dir at a writable directory")],
    ids=["full", "not-writable"],
)  # fmt: skip
def test_a_sweep_folder_on_a_full_disk_is_told_to_free_disk_space(
    tmp_path, monkeypatch, caplog, number, advice
):
    # (by hand: a new hydra.sweep.dir on a full ext4 disk, whose mkdir needs a block) it
    # was told to point hydra.sweep.dir at a writable directory, as a read-only one is
    import tempfile

    from mia_defense.cli.run_dirs import require_writable_dir

    def failed(**kwargs):
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr(tempfile, "TemporaryFile", failed)
    with pytest.raises(SystemExit):
        require_writable_dir(str(tmp_path / "sw"), key="hydra.sweep.dir")
    assert caplog.messages == [f"DataError: hydra.sweep.dir={tmp_path / 'sw'}: cannot write "
                               f"there ({os.strerror(number)}); {advice}"]  # fmt: skip


class _FullDisk(io.FileIO):
    """A file on a disk with room for nothing."""

    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")


def _full_at(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make io.open's files named ``name`` (OmegaConf.save opens with it) fail to write."""
    real_open = io.open

    def full_open(file, mode="r", *args, **kwargs):
        if "w" not in mode or Path(file).name != name:
            return real_open(file, mode, *args, **kwargs)
        return io.TextIOWrapper(io.BufferedWriter(_FullDisk(file, "w")), encoding="utf-8")

    monkeypatch.setattr(io, "open", full_open)


def test_a_sweep_record_written_after_the_runs_on_a_full_disk_is_one_line(
    tmp_path, monkeypatch, capsys, sweep_end
):
    # Optuna's sweeper writes optimization_results.yaml after the trials (OmegaConf.save,
    # in place): on a full disk an OSError traceback, exit 1, the sweep's end unsaid (by
    # hand: a 4M tmpfs filled as the trial's results.json said complete)
    record = tmp_path / "optimization_results.yaml"
    with monkeypatch.context() as full, pytest.raises(OSError) as raised:
        _full_at(record.name, full)
        OmegaConf.save(OmegaConf.create({"name": "optuna"}), f"{tmp_path}/{record.name}")
    sweep_end.start(tmp_path)
    with pytest.raises(SystemExit) as ended:
        stopped._end_sweep_unrecorded(raised.value)
    assert ended.value.code == 2
    said = capsys.readouterr()
    assert f"sweep directory: {tmp_path}" in said.out  # (the sweep's end, said)
    assert said.err.strip().splitlines()[-1] == (
        f"DataError: {record}: cannot write it (No space left on device); the sweep's runs are "
        "kept (each its results.json): free disk space and run the same command again to write "
        "it (finished runs are read back, not run again)")
    # the same command again: the empty file Hydra's write in place left was kept as an
    # earlier sweep's record (optimization_results.1.yaml), though it holds nothing
    from mia_defense.cli.run_dirs import keep_earlier_sweep_records

    record.write_bytes(b"")
    keep_earlier_sweep_records(tmp_path, "hydra:\n  mode: MULTIRUN\n")
    assert not list(tmp_path.glob("optimization_results.*.yaml"))


@pytest.mark.slow  # 1-5 s: an Optuna search of one refused trial, in process
def test_an_optuna_search_whose_record_the_full_disk_kept_out_ends_in_one_line(
    tmp_path, monkeypatch
):
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    from tests.helpers import mia_train
    from tests.test_red_h75_sweep_refused import CLASH, refused_at_trial_time

    refused_at_trial_time(monkeypatch)
    _full_at("optimization_results.yaml", monkeypatch)
    done = mia_train(*CLASH, "hydra.sweeper.n_trials=1", "hydra.sweep.dir=s", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        "DataError: s/optimization_results.yaml: cannot write it (No space left on device); "
        "the sweep's runs are kept")
