"""Hostile files in the folders mia-report, mia-attack and a sweep's end read back (h370)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
from tensorboard.backend.event_processing import event_file_loader

from mia_defense import store
from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.report import load_runs, out_dir, write_report
from mia_defense.tracking.artifacts import file_sha256
from mia_defense.tracking.hparams import (
    SWEEP_EXPERIMENT_DIR,
    sessions_under,
    write_sweep_experiment,
)
from mia_defense.tracking.run_dir import claim_run_dir
from tests.report.fake_runs import make_run, rewrite_results, two_run_sweep


@pytest.fixture
def opened(monkeypatch):
    """The paths TensorBoard's event reader is asked to open; a FIFO is refused here (opened,
    it blocks until a writer comes: the test would hang rather than fail)."""
    paths: list[Path] = []
    real = event_file_loader.EventFileLoader

    def loader(path: str):
        paths.append(Path(path))
        if not Path(path).is_file():
            raise AssertionError(f"opened {path}, no regular file")
        return real(path)

    monkeypatch.setattr(event_file_loader, "EventFileLoader", loader)
    return paths


def test_sweep_end_reads_no_fifo_of_an_event_files_name(tmp_path, opened):
    # a FIFO named as an experiment config in the sweep directory (or its sweep_hparams/):
    # the end of `mia-train -m hydra.sweep.dir=...` opened it and waited forever
    (tmp_path / SWEEP_EXPERIMENT_DIR).mkdir()
    for folder in (tmp_path, tmp_path / SWEEP_EXPERIMENT_DIR):
        os.mkfifo(folder / "events.out.tfevents.1.host.1.experiment")
    written = write_sweep_experiment(tmp_path, [], swept=[])
    assert written.is_file() and opened == []


def test_diverged_runs_names_read_from_no_fifo(tmp_path, opened):
    # a diverged run's names are read back from its tb/: a FIFO there blocked the sweep's end
    run = tmp_path / "run0"
    (run / "tb").mkdir(parents=True)
    (run / "results.json").write_text(json.dumps({"status": "diverged"}))
    os.mkfifo(run / "tb" / "events.out.tfevents.1.host.1")
    sessions = sessions_under(tmp_path)
    assert [s.name for s in sessions] == ["run0"] and opened == []


class _Fifo:
    """A FIFO at ``path`` and a writer waiting for its reader: ``opened()`` says whether
    anything opened it for reading (it then reads one byte and its end, never blocking for
    good); `close` lets the writer go."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path, self.read = path, threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def _write(self) -> None:
        fd = os.open(self.path, os.O_WRONLY)  # (returns once a reader opens it)
        self.read.set()
        with contextlib.suppress(BrokenPipeError):  # (a reader that read and went)
            os.write(fd, b"x")
        os.close(fd)

    def opened(self) -> bool:
        return self.read.is_set()

    def close(self) -> None:
        # a reader held open until the writer is done, whenever it comes to open its end
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            self.thread.join()
        finally:
            os.close(fd)


def test_report_reads_no_fifo_as_a_killed_reports_journal(tmp_path):
    # a dead writer's temporary folder in the report folder holding a FIFO as its
    # commit-journal: `mia-report SWEEP` opened it and waited forever
    root = two_run_sweep(tmp_path / "sweep")
    out = tmp_path / "report"
    write_report([root], out_dir=out, tensorboard=False, charts=False)
    dead = _dead_pid()
    folder = out / f".mia-report-{dead}@{out_dir._host()}.abcdefgh"
    folder.mkdir()
    fifo = _Fifo(folder / out_dir._JOURNAL)
    try:
        write_report([root], out_dir=out, tensorboard=False, charts=False)
        opened = fifo.opened()
    finally:
        fifo.close()
    assert not opened and (out / "tradeoff.csv").is_file()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_store_key_mark_replaces_a_link_never_writing_through_it(tmp_path):
    # checkpoints/.store_key a link to a file of the user's: `mia-train hydra.run.dir=RUN
    # cache_dir=STORE` wrote the store key over that file
    checkpoints, mine = tmp_path / "run" / "checkpoints", tmp_path / "notes.txt"
    checkpoints.mkdir(parents=True)
    mine.write_text("my own notes\n")
    (checkpoints / store._STARTED_UNDER).symlink_to(mine)
    store._mark_start(checkpoints, "ab" * 32)
    assert mine.read_text() == "my own notes\n"
    assert not (checkpoints / store._STARTED_UNDER).is_symlink()
    assert store._started_under(checkpoints) == "ab" * 32


def test_store_key_read_from_no_fifo(tmp_path):
    # a FIFO as checkpoints/.store_key: a resume with a store waited on it forever
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    fifo = _Fifo(checkpoints / store._STARTED_UNDER)
    try:  # (opened without blocking, it is no mark; read, it gave the writer's "x")
        key = store._started_under(checkpoints)
    finally:
        fifo.close()
    assert key is None


def _cut_in_half(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def _recorded(run: Path, name: str) -> None:
    rewrite_results(run, lambda p: p.update(sha256={**p.get("sha256", {}),
                                                    name: file_sha256(run / name)}))


@pytest.mark.parametrize("name", ["observations.npz", "checkpoints/model_0000.pt"])
def test_a_run_file_cut_short_is_told_so_not_another_runs(tmp_path, name):
    # a run folder copied with its copy interrupted (rsync, scp, a full disk): mia-report
    # and mia-attack called the file another run's, and advised putting its results.json back
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.9, signal=2.0)
    (run / "checkpoints").mkdir()
    with zipfile.ZipFile(run / "checkpoints" / "model_0000.pt", "w") as archive:
        archive.writestr("archive/data.pkl", os.urandom(4000))  # (a zip, as torch.save's)
    _recorded(run, "observations.npz")
    _recorded(run, "checkpoints/model_0000.pt")
    _cut_in_half(run / name)
    reason = dict(load_runs([tmp_path]).skipped)[run]
    assert f"{name} in its folder is cut short" in reason
    assert "another run" not in reason and "results.json and observations.npz back" not in reason
    if name.startswith("checkpoints"):
        with pytest.raises(DataError, match="cut short") as refused:
            read_source(run)
        assert "results.json and observations.npz back" not in str(refused.value)


def test_a_folder_named_as_an_event_file_is_refused_before_the_run(tmp_path):
    # tb/events.out.tfevents.999.host.1/ a folder: mia-train (or mia-attack) trained and
    # attacked, then ended on 'RUN/tb: cannot write the TensorBoard events (Is a directory);
    # choose a writable run directory', blaming a folder that is writable
    folder = tmp_path / "tb" / "events.out.tfevents.999.host.1"
    folder.mkdir(parents=True)
    with pytest.raises(DataError, match=(
            rf"{folder}: a folder named as a TensorBoard event file, .*nothing was changed. "
            r"Move or delete it")):  # fmt: skip
        with claim_run_dir(tmp_path):
            pass
    assert folder.is_dir()
