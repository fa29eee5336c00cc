"""The HParams experiment config of a sweep (or a run) is replaced only once the new one is
whole. write_experiment removed the earlier config first, then wrote the new one: a sweep
killed at its end while writing it (SIGKILL, Ctrl-C, a job's time limit) left its folder
with no config or a cut one, where the earlier one had been whole."""

from __future__ import annotations

import pytest

import mia_defense.tracking.hparams as hparams
from mia_defense.tracking.hparams import (
    EXPERIMENT_SUFFIX,
    Session,
    session_hparams,
    write_experiment,
)

SESSIONS = [
    Session(name=f"train.lr={lr}", hparams=session_hparams({"train.lr": lr, "seed": 0}),
            metrics={"utility/test_accuracy": 0.9})
    for lr in (0.1, 0.01)
]  # fmt: skip


def _configs(log_dir):
    return sorted(log_dir.glob(f"events.out.tfevents.*{EXPERIMENT_SUFFIX}"))


class _KilledWriter(hparams.EventFileWriter):
    """Stopped as the experiment's event is written (a Ctrl-C landing there)."""

    def add_event(self, event):
        if event.HasField("summary"):
            raise KeyboardInterrupt
        super().add_event(event)


def test_a_write_stopped_part_way_keeps_the_earlier_config(tmp_path, monkeypatch):
    earlier = write_experiment(tmp_path, SESSIONS, swept=["train.lr"])
    content = earlier.read_bytes()
    monkeypatch.setattr(hparams, "EventFileWriter", _KilledWriter)
    with pytest.raises(KeyboardInterrupt):
        write_experiment(tmp_path, SESSIONS[:1], swept=["train.lr"])
    assert earlier.is_file() and earlier.read_bytes() == content


def test_the_next_write_replaces_every_earlier_config(tmp_path, monkeypatch):
    write_experiment(tmp_path, SESSIONS, swept=["train.lr"])
    with monkeypatch.context() as patched:
        patched.setattr(hparams, "EventFileWriter", _KilledWriter)
        with pytest.raises(KeyboardInterrupt):
            write_experiment(tmp_path, SESSIONS, swept=["train.lr"])
    assert len(_configs(tmp_path)) == 2  # the earlier one and the one cut
    written = write_experiment(tmp_path, SESSIONS[:1], swept=["train.lr"])
    assert _configs(tmp_path) == [written]
