"""h494: lines of mia-train's and mia-attack's resumes and of a sweep's start (cli/train.py,
cli/attack.py, cli/run_dirs.py) named a run folder or a sweep's record bare: under a folder
named ``$'evil\\x1b[2J\\nname'`` a finished run skipped with scores.npz not its own, one
whose results.json is refused, a sweep's multirun.yaml that is a link or a hard link, or
one launched beside a file named like a module its job processes import (cli/user_code.py)
cleared the terminal and split the line in two. Each names the path now as every refusal
does (`constraints.shown_path`: a name with a control character as ``$'...'`` writes it);
an ordinary path is said as before, whole and as it is."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from mia_defense.cli import attack, run_dirs, train
from mia_defense.cli.user_code import refuse_shadowing_files
from mia_defense.constraints import shown_path
from mia_defense.errors import MiaDefenseError
from mia_defense.report import checks, scores
from tests.hostile.test_h481_paths_in_more_suggested_commands import _ordinary


def _logged(caplog: pytest.LogCaptureFixture, said: Callable[[], object]) -> str:
    with caplog.at_level(logging.INFO):
        try:
            said()
        except SystemExit:
            pass
    return " | ".join(record.getMessage() for record in caplog.records)


def _record_a_link(folder: Path, caplog, monkeypatch) -> tuple[Path, str]:
    (folder / "multirun.yaml").symlink_to(folder / "elsewhere")
    return folder / "multirun.yaml", _logged(
        caplog, lambda: run_dirs.keep_earlier_sweep_records(folder, "a: 1\n"))


def _record_a_hard_link(folder: Path, caplog, monkeypatch) -> tuple[Path, str]:
    (folder / "other").write_text("a: 0\n")
    os.link(folder / "other", folder / "multirun.yaml")
    return folder / "multirun.yaml", _logged(
        caplog, lambda: run_dirs.keep_earlier_sweep_records(folder, "a: 1\n"))


def _train_other_scores(folder: Path, caplog, monkeypatch) -> tuple[Path, str]:
    monkeypatch.setattr(scores, "recorded_scores_problem", lambda run_dir, payload: "edited")
    return folder, _logged(caplog, lambda: train._warn_other_scores(folder, {}))


def _attack_other_scores(folder: Path, caplog, monkeypatch) -> tuple[Path, str]:
    (folder / "results.json").write_text("{}")
    monkeypatch.setattr(scores, "recorded_scores_problem", lambda run_dir, payload: "edited")
    return folder, _logged(caplog, lambda: attack._warn_other_scores(folder))


def _train_unreadable_finished(folder: Path, caplog, monkeypatch) -> tuple[Path, str]:
    # report.runs binds checks.payload_problem at its import, which the function below makes
    # lazily: imported under the patch, it kept the stand-in for the rest of the session
    # (test_commands' mia-report then failed on its run_dir keyword, by test order)
    import mia_defense.report.runs  # noqa: F401

    monkeypatch.setattr(checks, "payload_problem", lambda payload: "edited")
    with pytest.raises(MiaDefenseError) as caught:
        train._refuse_unreadable_finished_run(folder, {})
    return folder / "results.json", str(caught.value)


def _launched_beside_a_shadow(folder: Path, caplog, monkeypatch) -> tuple[Path, str]:
    (folder / "numpy.py").write_text("")
    launcher = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"
    config = OmegaConf.create({"hydra": {"launcher": {"_target_": launcher},
                                         "runtime": {"cwd": str(folder)}}})
    return folder, _logged(caplog, lambda: refuse_shadowing_files(config))


_LINES = [_record_a_link, _record_a_hard_link, _train_other_scores, _attack_other_scores,
          _train_unreadable_finished, _launched_beside_a_shadow]


@pytest.mark.parametrize("said", _LINES, ids=lambda f: f.__name__.strip("_"))
def test_a_name_with_an_escape_code_is_escaped(said, tmp_path: Path, caplog,
                                               monkeypatch) -> None:
    folder = tmp_path / "evil\x1b[2J\nname\u202e"
    folder.mkdir()
    path, message = said(folder, caplog, monkeypatch)
    assert message
    assert "\x1b" not in message and "\n" not in message and "\u202e" not in message
    rest = "" if path == folder else f"/{path.name}"
    assert f"$'{tmp_path}/evil\\x1b[2J\\x0aname\\u202e{rest}'" in message
    assert shown_path(path) in message


@pytest.mark.parametrize("said", _LINES, ids=lambda f: f.__name__.strip("_"))
def test_an_ordinary_path_is_said_as_it_is(said, tmp_path: Path, caplog, monkeypatch) -> None:
    folder = _ordinary(tmp_path)
    folder.mkdir(parents=True)
    path, message = said(folder, caplog, monkeypatch)
    assert "$'" not in message and f"{path}" in message
