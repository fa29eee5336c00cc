"""A path of thousands of characters was still echoed whole, a line of as many, by the
refusals h463 (`constraints.clipped`) had not reached: a sweep's ``hydra.sweep.subdir``
(cli/sweep_checks), the run-directory checks under 4,096 bytes (cli/run_dirs: 'hydra.run.dir=P
is a file, not a folder'), and `_fails_closed`'s 'cannot be checked (...)'. Each shows the
path's start, an ellipsis and its length; h471: only beyond `constraints.PATH_LIMIT` (1,000
characters): a path of 300, a deep but real folder, is shown whole."""

from __future__ import annotations

import logging

import pytest
from omegaconf import OmegaConf

from mia_defense.cli.run_dirs import refuse_escaping_subdir
from mia_defense.cli.train import _fails_closed
from mia_defense.constraints import PATH_LIMIT
from tests.helpers import mia_train


def _long_lines(text: str, mark: str) -> list[str]:
    return [line for line in text.splitlines() if mark * 50 in line]


def test_a_long_sweep_subdir_is_clipped(tmp_path):
    done = mia_train("-m", "hydra.sweep.dir=sweep", f"hydra.sweep.subdir={'a' * 5000}",
                     "seed=1,2", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    (line,) = _long_lines(done.stderr, "a")
    assert "hydra.sweep.subdir=aaa" in line and "(5000 characters)" in line, line[:300]
    assert len(line) < PATH_LIMIT + 600, len(line)


def test_a_long_run_dir_that_is_a_file_is_clipped(tmp_path):
    folder = tmp_path.joinpath(*["b" * 200] * 18)  # (a path under 4,096 bytes)
    folder.mkdir(parents=True)
    (folder / "run").write_text("x")
    done = mia_train(f"hydra.run.dir={folder / 'run'}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    (line,) = _long_lines(done.stderr, "b")
    assert "is a file, not a folder" in line and "characters)" in line, line[-300:]
    assert len(line) < PATH_LIMIT + 400, len(line)


def test_a_long_escaping_subdir_is_clipped(caplog):
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):
        refuse_escaping_subdir("/tmp/sweep", "../" + "c" * 5000)
    (said,) = [r.getMessage() for r in caplog.records]
    assert "hydra.sweep.subdir=../ccc" in said and "(5003 characters)" in said
    assert len(said) < 2 * PATH_LIMIT + 400, len(said)  # (the subdir and where it leads)


def _failed_check_said(caplog, path: str) -> str:
    """What `_fails_closed` logs of a check of hydra.run.dir=``path`` that fails with an
    OSError naming ``path``/x."""

    @_fails_closed("hydra.run.dir")
    def failing(self, config, **kwargs):
        raise OSError(40, "Too many levels of symbolic links", path + "/x")

    config = OmegaConf.create({"hydra": {"run": {"dir": path}}})
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):
        failing(None, config)
    (said,) = [r.getMessage() for r in caplog.records]
    return said


def test_a_check_that_fails_names_a_long_path_clipped(caplog):
    path = "/tmp/" + "/".join(["d" * 199] * 15)  # (3004 characters, names of 199)
    said = _failed_check_said(caplog, path)
    assert said.startswith("ConfigError: hydra.run.dir=/tmp/ddd"), said[:100]
    assert "cannot be checked (OSError: [Errno 40] Too many levels of symbolic links" in said
    assert said.count(f"({len(path)} characters)") == 2, said
    assert len(said) < 2 * PATH_LIMIT + 400, len(said)


def test_an_escaping_subdir_of_300_characters_is_shown_whole(caplog):
    subdir = "../" + "c" * 300
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):
        refuse_escaping_subdir("/tmp/sweep", subdir)
    (said,) = [r.getMessage() for r in caplog.records]
    assert f"hydra.sweep.subdir={subdir} puts a run at /tmp/{'c' * 300}, outside" in said
    assert "characters)" not in said


def test_a_check_that_fails_names_a_path_of_300_characters_whole(caplog):
    path = "/tmp/" + "/".join(["d" * 99] * 3)
    said = _failed_check_said(caplog, path)
    assert said.startswith(f"ConfigError: hydra.run.dir={path}: cannot be checked "
                           f"(OSError: [Errno 40] Too many levels of symbolic links: "
                           f"'{path}/x')"), said
