"""A path a refusal ends the tool with (`entry.end_refused`, `attack.source_on_one_line`) is
shown as every other refusal shows one, through `constraints.shown_path`: they kept a second
copy of its escaping (`commands.line_path`) without its clipping, so a run folder of 1,500
characters was logged whole. A name with an escape code is escaped as before; an ordinary
path, and a long message of the caller's, are as they were."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mia_defense.cli.attack import source_on_one_line
from mia_defense.cli.entry import EXIT_USER_ERROR, end_refused
from mia_defense.constraints import PATH_LIMIT

log = logging.getLogger("mia_defense.cli.run_dirs")


def _refused(caplog, *args: object) -> str:
    with caplog.at_level(logging.ERROR, logger=log.name), pytest.raises(SystemExit) as ended:
        end_refused(log, "hydra.run.dir=%s holds files that are not mia-train's; nothing was "
                    "changed", *args)  # fmt: skip
    assert ended.value.code == EXIT_USER_ERROR
    (record,) = [r for r in caplog.records if r.name == log.name]
    return record.getMessage()


def test_a_run_folder_of_1500_characters_is_clipped(caplog, tmp_path):
    run_dir = tmp_path / ("d" * (1500 - len(str(tmp_path)) - 1))
    assert len(str(run_dir)) == 1500
    said = _refused(caplog, run_dir)
    assert str(run_dir) not in said
    assert "… (1500 characters) holds files" in said
    assert len(said) < PATH_LIMIT + 200


def test_a_run_folder_with_an_escape_code_is_escaped_as_before(caplog):
    said = _refused(caplog, Path("/elsewhere/evil\x1b[2J\nname"))
    assert said == ("ConfigError: hydra.run.dir=$'/elsewhere/evil\\x1b[2J\\x0aname' holds files "
                    "that are not mia-train's; nothing was changed")  # fmt: skip


def test_an_ordinary_path_and_a_long_message_are_as_they_were(caplog, tmp_path):
    assert _refused(caplog, tmp_path / "a b") == (
        f"ConfigError: hydra.run.dir={tmp_path}/a b holds files that are not mia-train's; "
        "nothing was changed")  # fmt: skip
    caplog.clear()
    message = "; ".join(f"problem {i} of a sweep" for i in range(100))  # 2,000-odd characters
    with caplog.at_level(logging.ERROR, logger=log.name), pytest.raises(SystemExit):
        end_refused(log, "%s; nothing was run", message)
    assert caplog.records[-1].getMessage() == f"ConfigError: {message}; nothing was run"


def test_a_source_of_1500_characters_is_clipped_in_mia_attacks_refusal(tmp_path):
    source = tmp_path / ("s" * (1500 - len(str(tmp_path)) - 1))
    said = source_on_one_line(f"{source}: no such file or folder", source)
    assert said.endswith("… (1500 characters): no such file or folder")
    assert source_on_one_line(f"{tmp_path}: no such file or folder", tmp_path) == (
        f"{tmp_path}: no such file or folder")
