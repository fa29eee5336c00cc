"""A bad override or help template beside ``--help``, ``--hydra-help`` or ``--info``: Hydra
reports errors itself only around a run, so these ended in its traceback with exit 1. They
are user errors: one message naming the key or option, exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import mia_attack, mia_train


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--help", "dataset=nope"), "Could not find 'dataset/nope'"),
        (("--hydra-help", "dataset=nope"), "dataset=nope"),
        (("--info", "defaults", "model=nope"), "Could not find 'model/nope'"),
        (("--help", "hydra.help.template=null"), "hydra.help.template=null: hydra.help.template "
         "is a setting of Hydra's own, which takes a value, not null"),
        (("--help", "hydra.help.template=$NOT"), "hydra.help.template: $NOT is no placeholder"),
        (("--help", "hydra.help.template=cost: 5$"), "hydra.help.template: a lone '$'"),
        (("--hydra-help", "hydra.hydra_help.template=$X"), "hydra.hydra_help.template: $X"),
        (("--help", "hydra.help.template=${CONFIG}"), "a placeholder of the help is $NAME"),
        (("--help", "hydra.job_logging.root.level=LOUD"), "\nConfigError: hydra config: hydra"),
    ],
)
def test_a_bad_override_beside_a_help_request_is_a_user_error(tmp_path, args, said):
    done = mia_train(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert said in "\n" + done.stderr and "ConfigError: ConfigError" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_help_template_may_show_a_dollar_sign_and_any_of_its_sections(tmp_path):
    done = mia_train("--help", "hydra.help.template=groups: $APP_CONFIG_GROUPS costs $$5",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("groups: ") and "dataset: " in done.stdout
    assert "costs $5" in done.stdout


def test_mia_attack_reports_a_bad_override_beside_its_help_the_same_way(tmp_path):
    done = mia_attack("--help", "hydra.help.template=$NOT", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "hydra.help.template: $NOT is no placeholder" in done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("-sc",), "--shell-completion: no command; give one of install=SHELL"),
        (("-sc", "query=dataset="), "--shell-completion: query=dataset=; give one of"),
        (("--shell-completion", "install=tcsh"), "install=tcsh; give one of"),
        (("-sc", "install=bash", "uninstall=bash"), "install=bash uninstall=bash; give"),
        (("-sc", "query=bash"), "the shell makes this call itself as you press Tab"),
    ],
)
def test_a_shell_completion_hydra_cannot_answer_is_a_user_error(tmp_path, monkeypatch, args, said):
    monkeypatch.delenv("COMP_LINE", raising=False)
    done = mia_train(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert said in done.stderr and 'eval "$(mia-train -sc install=bash)"' in done.stderr
    assert "Traceback" not in done.stderr


def test_shell_completion_still_installs_and_answers_the_shell(tmp_path, monkeypatch):
    installed = mia_train("-sc", "install=bash", cwd=tmp_path)
    assert installed.returncode == 0 and "complete -o nospace -o default -F" in installed.stdout
    monkeypatch.setenv("COMP_LINE", "mia-train datas")
    monkeypatch.setenv("COMP_POINT", "15")
    answered = mia_train("-sc", "query=bash", cwd=tmp_path)
    assert answered.returncode == 0, answered.stderr[-2000:]
    assert "dataset=" in answered.stdout


@pytest.mark.parametrize("tool", ["train", "attack"])
def test_a_reader_that_stops_early_ends_the_help_quietly(tool):
    # mia-train --help | head -1: the pipe closes before the help is printed
    child = subprocess.Popen([sys.executable, "-m", f"mia_defense.cli.{tool}", "--help"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    child.stdout.close()
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr.decode()[-2000:]
    assert b"BrokenPipeError" not in stderr and b"Traceback" not in stderr
