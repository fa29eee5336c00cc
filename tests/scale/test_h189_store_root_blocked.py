"""A cache_dir that is a file (or lies in one, or is a link to no folder) was refused only
when the store took its first key's lock: after the run had loaded its data and claimed its
directory (a .lock left in it), and in a sweep, by every job alike. It is refused when the
experiment is built, with the store's own words, before the run directory is touched."""

from __future__ import annotations

import pytest

from mia_defense.cli.build import build_experiment, run
from mia_defense.errors import DataError
from mia_defense.store import refuse_blocked_root
from tests.helpers import LEAN_ATTACKS
from tests.scale.sweeps import TINY

LEAN = (*TINY, *LEAN_ATTACKS)


def test_a_file_as_cache_dir_is_refused_before_the_run_directory(make_cfg, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DataError, match=(
        rf"^cache_dir={blocker}: cannot use it as the model store \(a file, not a folder\); "
        r"point cache_dir at a writable directory, or set cache_dir=null"
    )):  # fmt: skip
        run(make_cfg(*LEAN, f"cache_dir={blocker}"), tmp_path / "run")
    assert not (tmp_path / "run").exists() and blocker.read_text() == "not a directory"


def test_a_folder_in_a_file_or_a_link_to_nothing_is_named(make_cfg, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DataError, match=rf"\({blocker} is a file, not a folder\); point"):
        build_experiment(make_cfg(f"cache_dir={blocker / 'store'}"))
    dangling = tmp_path / "link"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(DataError, match=r"model store \(a link to no folder\); point"):
        build_experiment(make_cfg(f"cache_dir={dangling}"))
    # a folder, a path to be made, a link to a folder: used
    (tmp_path / "folder").mkdir()
    (tmp_path / "to_folder").symlink_to(tmp_path / "folder")
    for fine in ("folder", "new/store", "to_folder"):
        assert refuse_blocked_root(tmp_path / fine) == tmp_path / fine
    assert refuse_blocked_root(None) is None
