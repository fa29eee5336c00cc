"""h471: h463/h468 clipped every path a refusal named at 200 characters, those inside the
commands it suggests too: a read-only sweep of a 300-character folder was told 'mia-report
'/tmp/...…(312 characters)' --out DIR' and 'chmod -R u+w '/tmp/...…'', commands that name no
folder, and a deep but real folder could no longer be read from the message. A path is now
shown whole up to `constraints.PATH_LIMIT` (1,000 characters), clipped beyond it; a command
never holds a clipped path: one too long to show is said without it ('<that folder>')."""

from __future__ import annotations

import logging
import os
import shlex
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from mia_defense.cli.sweep_checks import refuse_other_modes_folder
from mia_defense.constraints import PATH_LIMIT
from tests.hostile.test_h420_read_only_sweep import _read_only, _said, root  # noqa: F401 (fixture)


def _said_of_read_only_sweep(sweep: Path) -> str:
    """What require_writable_dir logs of the read-only sweep ``sweep`` (two finished runs),
    checked as a user other than root (root writes anyway)."""
    for name in ("seed=0", "seed=1"):
        (sweep / name).mkdir(parents=True)
        (sweep / name / "results.json").write_text("{}")
    _read_only(sweep)
    return _said(sweep)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX permissions, as another user")
def test_a_read_only_sweep_of_300_characters_is_named_whole_in_its_commands(root):  # noqa: F811
    sweep = root.joinpath(*["s" * 99] * 3)
    assert 300 <= len(str(sweep)) <= PATH_LIMIT
    said = _said_of_read_only_sweep(sweep)
    assert said.startswith(f"DataError: hydra.sweep.dir={sweep}: cannot write there"), said
    assert f"mia-report {shlex.quote(str(sweep))} --out DIR" in said, said
    assert f"chmod -R u+w {shlex.quote(str(sweep))}," in said, said
    assert "…" not in said and said.endswith("exit 2")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX permissions, as another user")
def test_a_read_only_sweep_too_long_to_show_is_not_put_into_its_commands_clipped(root):  # noqa: F811
    sweep = root.joinpath(*["s" * 200] * 7)  # (some 1,450 characters, under 4,096 bytes)
    assert PATH_LIMIT < len(str(sweep)) < 4000
    said = _said_of_read_only_sweep(sweep)
    assert said.startswith("DataError: hydra.sweep.dir=/") and (
        f"({len(str(sweep))} characters): cannot write there") in said, said[:300]
    assert "mia-report <that folder> --out DIR" in said, said
    assert "chmod -R u+w <that folder>," in said, said
    assert said.count("…") == 1 and len(said) < 1800, len(said)


@pytest.mark.parametrize("length", [300, 5000])
def test_the_folder_a_sweep_should_name_is_whole_or_left_out(caplog, length):
    value = "/tmp/" + "r" * (length - 5)
    config = OmegaConf.create({"hydra": {"mode": "MULTIRUN",
                                         "overrides": {"hydra": [f"hydra.run.dir={value}"]}}})
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):
        refuse_other_modes_folder(config)
    (said,) = [r.getMessage() for r in caplog.records]
    if length <= PATH_LIMIT:
        assert said.startswith(f"ConfigError: hydra.run.dir={value}: the folder of a single")
        assert f"Write hydra.sweep.dir={value} for the sweep's folder" in said, said
        assert "…" not in said
    else:
        assert f"({len(value) + 14} characters): the folder of a single run" in said
        assert "Write hydra.sweep.dir=<that folder> for the sweep's folder" in said, said
        assert said.count("…") == 1 and len(said) < 1800, len(said)
