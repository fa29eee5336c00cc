"""The launch folder a tool's main() puts on sys.path and names in MIA_DEFENSE_LAUNCH_DIR is
put back as main() ends, a refused run's too: Hydra's on_run_end, which put the variable
back, never comes after a refusal, so a notebook's later processes inherited the folder as
the launch directory and its own imports searched it (h389)."""

from __future__ import annotations

import os
import sys

import pytest

from mia_defense.cli import user_code
from mia_defense.library_call import caller_state_kept


@pytest.fixture
def launch(monkeypatch, tmp_path):
    monkeypatch.delenv(user_code._LAUNCH_DIR_ENV, raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    # no launch folder allowed, so no finder: an earlier test's folder kept on sys.path (a
    # module imported from it) leaves both, and the last put-back here takes the finder off
    hooks = [hook for hook in sys.path_hooks if hook is not user_code._path_hook]
    monkeypatch.setattr(sys, "path_hooks", hooks)
    monkeypatch.setattr(user_code, "_ALLOWED", {})
    monkeypatch.chdir(tmp_path)
    return str(tmp_path)


def test_a_refused_main_leaves_sys_path_and_the_environment_as_they_were(launch, monkeypatch):
    from mia_defense.cli import train

    path, hooks = list(sys.path), list(sys.path_hooks)
    monkeypatch.setattr(sys, "argv", ["mia-train", "train.lr=abc"])
    with pytest.raises(SystemExit) as done:
        train.main()
    assert done.value.code == 2  # (refused by the config's checks, after on_run_start)
    assert sys.path == path and sys.path_hooks == hooks
    assert user_code._LAUNCH_DIR_ENV not in os.environ


def test_the_callers_own_value_of_the_variable_is_put_back(launch, monkeypatch):
    monkeypatch.setenv(user_code._LAUNCH_DIR_ENV, "/elsewhere")
    with caller_state_kept():
        user_code.add_launch_dir(launch)
        assert os.environ[user_code._LAUNCH_DIR_ENV] == launch  # (for its job processes)
        assert sys.path[-1] == launch
    assert os.environ[user_code._LAUNCH_DIR_ENV] == "/elsewhere"
    assert launch not in sys.path


def test_the_folder_stays_where_a_module_was_imported_from_it(launch, monkeypatch, tmp_path):
    (tmp_path / "h389_net.py").write_text("VALUE = 389\n")
    monkeypatch.delitem(sys.modules, "h389_net", raising=False)
    with caller_state_kept():
        user_code.add_launch_dir(launch, {"h389_net"})
        import h389_net

        assert h389_net.VALUE == 389
    assert launch in sys.path  # (its modules may import more of it later)
    assert user_code._LAUNCH_DIR_ENV not in os.environ
    monkeypatch.delitem(sys.modules, "h389_net")


def test_a_later_call_puts_the_folder_on_the_path_again(launch, tmp_path):
    for _ in range(2):
        with caller_state_kept():
            user_code.add_launch_dir(launch)
            assert launch in sys.path
            assert os.environ[user_code._LAUNCH_DIR_ENV] == launch
        assert launch not in sys.path


def test_a_library_of_an_environment_in_the_folder_does_not_keep_it(launch, monkeypatch,
                                                                     tmp_path):
    """``python -m venv .venv`` in the project folder, mia-train run from there: its
    libraries' files lie in the folder, but no module of the user's was imported from it."""
    site = tmp_path / ".venv" / "lib" / "site-packages"
    site.mkdir(parents=True)
    (site / "h389_lib.py").write_text("VALUE = 389\n")
    monkeypatch.setattr(user_code, "_installed_roots", lambda: (f"{site}{os.sep}",))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "h389_lib", raising=False)
    with caller_state_kept():
        user_code.add_launch_dir(launch)
        import h389_lib

        assert h389_lib.VALUE == 389
    assert launch not in sys.path
    monkeypatch.delitem(sys.modules, "h389_lib")
