"""h581: a sweep (or run) in its default folder, named from the clock
(multirun/<date>/<time>), killed (SIGKILL, the OOM killer, the machine down) says nothing
more; the same command again named a new folder and trained every run anew, the finished
runs and their model store (<sweep dir>/.model_store) beside it unused: lost work, silently
redone. Ctrl-C's end says which folder to name (`stopped.say_where_to_resume`); a kill gives
no end, so the folder's claim says it as the sweep begins: the line to find in the
terminal's scrollback. A folder the user named, or a start refused, says nothing."""

from __future__ import annotations

import logging

import pytest
from hydra.core.utils import setup_globals
from omegaconf import OmegaConf

from mia_defense.cli.run_dirs import claim_timestamped_dir

CLOCK = "multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}"


def _config(sweep_dir: str):
    setup_globals()  # (Hydra's ${now:...}, as a command's start registers it)
    return OmegaConf.create({"hydra": {"sweep": {"dir": sweep_dir},
                                       "overrides": {"hydra": []}}})  # fmt: skip


def _said(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if "named from the clock" in record.getMessage()]  # fmt: skip


def test_a_sweep_in_a_clock_named_folder_says_how_to_resume_it(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    config = _config(CLOCK)
    with caplog.at_level(logging.INFO), claim_timestamped_dir(config, "hydra.sweep.dir") as made:
        assert made
    folder = str(config.hydra.sweep.dir)
    assert _said(caplog) == [
        f"hydra.sweep.dir={folder} (named from the clock): should this sweep stop before its "
        f"end (killed, a crash), add hydra.sweep.dir={folder} to the same command to resume "
        "it; the same command alone starts it anew in a new folder"]


def test_a_named_folder_or_a_refused_start_says_nothing(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.INFO):
        with claim_timestamped_dir(_config("sweep"), "hydra.sweep.dir") as made:
            assert not made
        with pytest.raises(SystemExit), claim_timestamped_dir(_config(CLOCK), "hydra.sweep.dir"):
            raise SystemExit(2)  # (a refusal: the folder made is removed again)
    assert _said(caplog) == []
    assert not (tmp_path / "multirun").exists()
