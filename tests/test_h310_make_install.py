"""`make install` (the first of the README's two commands) on a venv left half made, and under a
Python the lock does not fit. Each runs the Makefile's own recipe on a venv of stand-in scripts
in tmp_path (nothing is installed)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNING = "{}.{}".format(*sys.version_info[:2])
PYTHON = shlex.quote(sys.executable)  # (a clone under "my dir/")


def _q(path: Path) -> str:
    return shlex.quote(str(path))


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def _make(venv: Path, target: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), f"VENV={venv}", "FIND_LINKS=", *args,
         f"{venv}/{target}"],  # (FIND_LINKS: not asked of pip, 0.3 s)
        capture_output=True, text=True, timeout=60,
    )


def test_a_venv_whose_creation_was_cut_short_is_made_again(tmp_path):
    """Ctrl-C during `python3 -m venv .venv` left .venv/bin/python without pip; every later
    `make run` trusted it and stopped on '.venv/bin/python: No module named pip'."""
    venv = tmp_path / "v"
    _script(venv / "bin" / "python", 'echo "No module named pip" >&2; exit 1\n')  # the half venv
    made = tmp_path / "venv.args"
    python = _script(tmp_path / "python3", (  # makes a venv whose python answers everything
        f'if [ "$1 $2" = "-m venv" ]; then echo "$@" > {_q(made)}; rm -r "$4";'
        f' mkdir -p "$4/bin"; printf "#!/bin/sh\\n" > "$4/bin/python";'
        f' chmod +x "$4/bin/python"; exit 0; fi\n'
        f'exec {PYTHON} "$@"\n'
    ))
    done = _make(venv, "bin/uv", f"PYTHON={python}", f"LOCK_PYTHON={RUNNING}")
    assert done.returncode == 0, done.stderr
    assert made.read_text().split() == ["-m", "venv", "--clear", str(venv)]


@pytest.mark.parametrize("stale", [False, True], ids=["new venv", "venv of another Python"])
def test_a_python_the_lock_does_not_fit_is_named_before_installing(tmp_path, stale):
    """Under python3 3.12 `make run` made .venv, then uv said no torch wheel matches cp312; with
    python3.11 next, the 3.12 .venv was kept and failed the same way."""
    venv = tmp_path / "v"
    if stale:
        (venv / "bin").mkdir(parents=True)
        (venv / "bin" / "python").symlink_to(sys.executable)
        _script(venv / "bin" / "uv", "echo uv ran; exit 1\n")
    python = tmp_path / "python3"  # (make's PYTHON holds no space)
    python.symlink_to(sys.executable)
    target = ".installed" if stale else "bin/uv"
    done = _make(venv, target, f"PYTHON={python}", "LOCK_PYTHON=2.0")
    assert done.returncode != 0
    who = f"{venv}/bin/python" if stale else python
    advice = f"remove {venv} (rm -rf {venv}) and run" if stale else "run"
    assert (
        f"make: {who} is Python {RUNNING}, and requirements.lock is for Python 2.0: "
        f"{advice} make again with PYTHON=python2.0"
    ) in done.stderr
    assert "uv ran" not in done.stdout and venv.exists() == stale


def test_a_users_pip_user_setting_does_not_stop_the_install(tmp_path):
    """PIP_USER=1 in a user's shell (or user = true in pip.conf) ended make run at once: 'Can
    not perform a '--user' install. User site-packages are not visible in this virtualenv.'"""
    venv, seen = tmp_path / "v", tmp_path / "pip.env"
    _script(venv / "bin" / "python", f'echo "PIP_USER=$PIP_USER $*" >> {_q(seen)}\n')
    done = subprocess.run(
        ["make", "-C", str(ROOT), f"VENV={venv}", f"{venv}/bin/uv"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PIP_USER": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert seen.read_text().splitlines()[-1].startswith("PIP_USER=0 -m pip install")


@pytest.mark.parametrize("answers", [True, False], ids=["read-only", "uv cannot say"])
def test_a_read_only_home_installs_without_uvs_cache(tmp_path, answers):
    """With HOME read-only (a container's, a CI runner's) uv stopped on 'Failed to initialize
    cache at ~/.cache/uv ... Read-only file system'; pip, before it, went on without a cache.
    A uv that cannot name its cache dir gets no such line: its own error follows."""
    venv, calls, blocked = tmp_path / "v", tmp_path / "uv.args", tmp_path / "a file"
    blocked.write_text("")  # its cache dir below a file: cannot be made, even by root
    _script(venv / "bin" / "python", f'[ "$1" = -c ] && exec {PYTHON} "$@"; exit 0\n')
    _script(venv / "bin" / "uv", (
        f'if [ "$1 $2" = "cache dir" ]; then echo {_q(blocked / "uv")}; exit {1 - answers}; fi\n'
        f'echo "$@" >> {_q(calls)}\n'
    ))
    done = _make(venv, ".installed", f"LOCK_PYTHON={RUNNING}")
    assert done.returncode == 0, done.stderr
    installs = calls.read_text().splitlines()
    assert len(installs) == 2 and all(line.endswith(" --no-cache") == answers for line in installs)
    assert done.stderr.count("make: uv's cache (") == answers


def test_a_uv_whose_install_was_cut_short_is_installed_again(tmp_path):
    """Ctrl-C while pip wrote .venv/bin/uv: make deleted the file, pip still counted uv as
    installed ('Requirement already satisfied'), and every later make stopped on
    'make: .venv/bin/uv: No such file or directory'."""
    venv = tmp_path / "v"
    _script(venv / "bin" / "python", (  # pip, with uv's record in place but its file gone
        f'case "$*" in *--force-reinstall*) printf "#!/bin/sh\\n" > {_q(venv / "bin/uv")};'
        f' chmod +x {_q(venv / "bin/uv")};; esac\n'
    ))
    done = _make(venv, "bin/uv")
    assert done.returncode == 0, done.stderr
    assert (venv / "bin" / "uv").exists()


def test_an_install_cut_short_installs_everything_again_next_time(tmp_path):
    """Ctrl-C during uv's install left torch's record with part of its files; the next make's
    uv counted torch installed, and mia-train stopped on "No module named 'torch._utils'"."""
    venv, calls, fail = tmp_path / "v", tmp_path / "uv.args", tmp_path / "fail"
    _script(venv / "bin" / "python", f'[ "$1" = -c ] && exec {PYTHON} "$@"; exit 0\n')
    _script(venv / "bin" / "uv", (
        f'[ "$1 $2" = "cache dir" ] && {{ echo {_q(tmp_path / "cache")}; exit 0; }}\n'
        f'echo "$@" >> {_q(calls)}; [ ! -e {_q(fail)} ]\n'
    ))
    fail.write_text("")  # the first install stops part way
    assert _make(venv, ".installed", f"LOCK_PYTHON={RUNNING}").returncode != 0
    fail.unlink()
    done = _make(venv, ".installed", f"LOCK_PYTHON={RUNNING}")
    assert done.returncode == 0, done.stderr
    first, again, _ = calls.read_text().splitlines()
    assert "--reinstall" not in first and "--reinstall" in again
    assert (venv / ".installed").exists() and not (venv / ".installed.cut").exists()
