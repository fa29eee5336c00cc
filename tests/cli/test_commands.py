"""The commands a user pastes work as written (issue 18, point 7): the README's commands
name the venv's tools, `make tb`/`make report` exist, and the end of a run prints a
`tensorboard` command that runs from where mia-train was started."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from mia_defense.cli.commands import shell_path, tool_command
from tests.helpers import LEAN_ATTACKS, mia_train

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# First words a README command line may start with: everything else is a tool that must be
# named by its path in the venv (`.venv/bin/mia-train`), since `make install` does not put
# the venv on PATH.
PLAIN = {"make", "python3", "cd", "git", "export", "CUBLAS_WORKSPACE_CONFIG=:4096:8"}
# Tools of an extra, in the venv after its own make target (ray: make install-ray).
EXTRA_TOOLS = {"ray": "install-ray"}


def _readme_commands() -> list[str]:
    """Every command line of the README's ``bash`` blocks (continuations joined)."""
    text = (ROOT / "README.md").read_text()
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def test_every_readme_command_names_a_tool_that_exists_after_make_install():
    commands = _readme_commands()
    assert len(commands) > 15  # the blocks were found
    for line in commands:
        first = shlex.split(line)[0]
        if first in PLAIN:
            continue
        if first.startswith("scripts/"):  # the repository's own scripts
            assert (ROOT / first).is_file(), f"no {first} in the repository: {line}"
            continue
        venv = re.match(r"(~/mia-defense/)?\.venv/bin/", first)  # the clone's venv
        assert venv, f"README command without the venv path: {line}"
        tool = first[venv.end():]
        if tool in EXTRA_TOOLS:
            assert f"make {EXTRA_TOOLS[tool]}" in commands, f"README never installs {tool}"
            continue
        assert (BIN / tool).is_file(), f"no {tool} in the venv: {line}"


def test_readme_prose_names_no_bare_tensorboard_command():
    text = (ROOT / "README.md").read_text()
    assert not re.search(r"(?<![/\w])tensorboard --logdir", text.replace(".venv/bin/", "/"))


def test_tool_command_is_the_venv_path_when_path_does_not_find_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing there
    monkeypatch.chdir(BIN.parent.parent)
    assert tool_command("tensorboard") == f"{BIN.parent.name}/bin/tensorboard"
    monkeypatch.chdir(tmp_path)
    # (quoted where the clone's path needs it: a clone under "my dir/")
    assert tool_command("tensorboard") == shlex.quote(str(BIN / "tensorboard"))


def test_tool_command_is_the_bare_name_when_path_finds_the_same_tool(monkeypatch):
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    assert tool_command("tensorboard") == "tensorboard"
    assert tool_command("no-such-tool-here") == "no-such-tool-here"


def test_shell_path_is_relative_under_cwd_and_quoted(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert shell_path(tmp_path / "outputs" / "a") == "outputs/a"
    assert shell_path(tmp_path) == "."
    assert shell_path("/elsewhere/x y") == "'/elsewhere/x y'"


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    # -o: treat the install target as done (no venv rebuild from a test).
    return subprocess.run(
        ["make", "-o", "install", "-o", ".venv/.installed", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )


def test_make_tb_and_make_report_run_the_venv_tools():
    done = _make("-n", "tb", "RUN=multirun/x")
    assert done.returncode == 0, done.stderr
    assert ".venv/bin/tensorboard --logdir 'multirun/x'" in done.stdout
    assert ".venv/bin/tensorboard --logdir 'outputs'" in _make("-n", "tb").stdout
    done = _make("-n", "report", "SWEEP=multirun/x")
    assert ".venv/bin/mia-report 'multirun/x'" in done.stdout


def test_make_report_and_make_tb_keep_a_path_with_a_space_whole(tmp_path):
    """`make report SWEEP="my sweeps/x"` gave mia-report two folders, 'my' and 'sweeps/x',
    each refused as not a directory (h107); so did `make tb RUN=...` give TensorBoard."""
    sweep = tmp_path / "my sweeps" / "x"
    done = _make("report", f"SWEEP={sweep}")
    assert done.returncode != 0
    assert f"{sweep}: not a directory" in done.stderr
    assert f"{tmp_path / 'my'}: not a directory" not in done.stderr
    assert f"--logdir '{sweep}'" in _make("-n", "tb", f"RUN={sweep}").stdout


def test_make_report_without_sweep_says_how():
    done = _make("report")
    assert done.returncode != 0
    assert "usage: make report SWEEP=DIR" in done.stderr


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_end_of_run_prints_a_tensorboard_command_that_runs(tmp_path, monkeypatch):
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # the venv is not on PATH, as after make run
    monkeypatch.setenv("PATH", env["PATH"])
    # mia-train in this process (tests.helpers.mia_train), started in tmp_path
    done = mia_train("plan.num_models=2", "plan.population_size=200", "train.epochs=1",
                     *LEAN_ATTACKS, "progress=false", "hydra.run.dir=out/run",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "\nrun directory: out/run\n" in done.stdout
    line = next(x for x in done.stdout.splitlines() if x.startswith("look at it:"))
    command = shlex.split(line.removeprefix("look at it:"))
    assert command == [str(BIN / "tensorboard"), "--logdir", "out/run"]
    # The printed tool runs from the same folder with the same PATH.
    version = subprocess.run(
        [command[0], "--version_tb"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )
    assert version.returncode == 0 and re.match(r"\d+\.\d+", version.stdout), version.stderr


def test_mia_report_prints_a_tensorboard_command_that_runs(tmp_path, monkeypatch, capsys):
    from mia_defense.cli.report import main as report_main
    from tests.report.fake_runs import make_run

    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.chdir(tmp_path)
    assert report_main(["sweep", "--no-charts"]) == 0  # in this process, started in tmp_path
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("look at it:"))
    assert shlex.split(line.removeprefix("look at it:")) == [
        str(BIN / "tensorboard"), "--logdir", "sweep"]  # fmt: skip


def test_a_relative_path_starting_with_a_dash_is_no_option(monkeypatch, tmp_path):
    """hydra.sweep.dir=-sw: the sweep's summary printed 'mia-report -sw' and 'tensorboard
    --logdir -sw', which both read as options (mia-report: 'the following arguments are
    required: dirs'); the path is printed ./-sw (helper h125)."""
    from mia_defense.cli.report import _parser

    monkeypatch.chdir(tmp_path)
    shown = shell_path(tmp_path / "-sw")
    assert shown == "./-sw"
    assert shell_path(tmp_path / "-a b" / "c") == "'./-a b/c'"
    assert _parser().parse_args([shown]).dirs == [Path("-sw")]
