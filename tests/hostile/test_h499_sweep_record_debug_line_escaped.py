"""The debug line of a sweep's job that cannot read the sweep's multirun.yaml
(`sweep_checks._sweep_record`) named the file raw: a sweep folder named with an escape code
cleared the terminal of ``hydra.verbose=true`` and split the line. It is shown through
`constraints.shown_path` now, an ordinary path as before."""

from __future__ import annotations

import logging

import pytest
from omegaconf import OmegaConf

from mia_defense.cli import sweep_checks


@pytest.mark.parametrize("name", ["evil\x1b[2J\nsweep", "plain sweep"])
def test_the_unreadable_sweep_record_is_named_on_one_line(tmp_path, caplog, name):
    (tmp_path / name / "multirun.yaml").mkdir(parents=True)  # (a folder: cannot be read)
    hydra = OmegaConf.create({"runtime": {"cwd": str(tmp_path)},
                              "sweep": {"dir": name}, "sweeper": {"params": {"seed": "1,2"}}})
    with caplog.at_level(logging.DEBUG, logger=sweep_checks.log.name):
        record = sweep_checks._sweep_record(hydra)
    assert OmegaConf.to_container(record.hydra.sweeper.params) == {"seed": "1,2"}
    (said,) = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    path = str(tmp_path / name / "multirun.yaml")
    shown = path if name == "plain sweep" else (  # (as it was) or bash's $'...'
        "$'" + path.replace("\x1b", "\\x1b").replace("\n", "\\x0a") + "'")
    assert said.startswith(f"{shown}: cannot be read (")
    assert said.isprintable()
