"""h473: the data and config-folder refusals h471 (`constraints.shown_path`) had not reached
still cut a path at 200 characters (the config folder at 80), so a deep but real path could
not be read or copied from them: ``mia-train dataset=csv dataset.path=/tmp/h473/P/x.csv
dataset.label_column=y`` (P three names of 99) said 'dataset 'csv': /tmp/h473/qqq…
(315 characters) does not exist'. Each now shows a path whole up to `PATH_LIMIT` and
clips it beyond: `data.checks.require_path` (a missing path, a NUL, an unknown '~user'),
`data.guards.dangling_link` (a link's target, a linked folder above the path) and
`cli.arguments.shadowed_configs` (a config folder no folder can be). A stray word and
--config-path, echoed whole at any length, show the path the same way."""

from __future__ import annotations

import os

import pytest

from mia_defense.cli.arguments import bare_word, shadowed_configs
from mia_defense.constraints import PATH_LIMIT
from mia_defense.data.checks import require_path
from mia_defense.data.guards import dangling_link
from mia_defense.errors import DataError
from tests.helpers import mia_train

_CSV = "a CSV file with a header line"


def _deep(root, letter: str) -> str:
    """A path under ``root`` of three names of 99 (over 300 characters, a real depth)."""
    path = os.path.join(str(root), *[letter * 99] * 3, "x.csv")
    assert 300 <= len(path) <= PATH_LIMIT
    return path


def _refused(path, **kwargs) -> str:
    with pytest.raises(DataError) as refused:
        require_path(path, name="csv", expected=_CSV, **kwargs)
    return str(refused.value)


def test_mia_train_names_a_missing_data_file_of_300_characters_whole(tmp_path):
    path = _deep(tmp_path, "q")
    done = mia_train("dataset=csv", f"dataset.path={path}", "dataset.label_column=y",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"dataset 'csv': {path} does not exist; set dataset.path" in done.stderr, \
        done.stderr[-1500:]  # fmt: skip


def test_a_missing_path_is_whole_up_to_the_limit_and_clipped_beyond(tmp_path):
    path = _deep(tmp_path, "q")
    said = _refused(path)
    assert f"dataset 'csv': {path} does not exist" in said and "characters)" not in said
    long = str(tmp_path / ("r" * 5000))
    said = _refused(long)
    assert f"({len(long)} characters)" in said and long not in said
    assert len(said) < PATH_LIMIT + 400, len(said)


def test_a_nul_and_an_unknown_home_show_a_300_character_path_whole(tmp_path):
    path = _deep(tmp_path, "n") + "\0"
    assert f"dataset.path {path!r} holds a NUL byte" in _refused(path)
    home = "~" + "u" * 300 + "_no_such_user_h473"
    said = _refused(home + "/x.csv")
    assert f"dataset 'csv': {home}/x.csv: no user {home[1:]!r} for '~'" in said, said
    assert "characters)" not in said


def test_a_5000_character_nul_path_and_unknown_home_are_clipped():
    path = "/tmp/" + "n" * 5000 + "\0"
    said = _refused(path)
    assert f"({len(repr(path))} characters) holds a NUL" in said
    assert len(said) < PATH_LIMIT + 400, len(said)
    said = _refused("~" + "u" * 5000 + "/x.csv")
    assert said.count(" characters)") == 2 and len(said) < 2 * PATH_LIMIT + 400, len(said)


def test_a_dangling_link_names_a_300_character_target_whole(tmp_path):
    target = _deep(tmp_path, "t")
    (tmp_path / "link.csv").symlink_to(target)
    said = dangling_link(tmp_path / "link.csv")
    assert said is not None and f"is a symbolic link to {target}, which" in said, said
    long = str(tmp_path / "/".join(["t" * 250] * 14))  # (a target under 4,096 bytes)
    (tmp_path / "long.csv").symlink_to(long)
    said = dangling_link(tmp_path / "long.csv")
    assert said is not None and f"({len(long)} characters)" in said and long not in said
    assert len(said) < PATH_LIMIT + 400, len(said)


def test_a_linked_folder_of_300_characters_above_the_path_is_named_whole(tmp_path):
    folder = os.path.dirname(_deep(tmp_path, "f"))
    os.makedirs(os.path.dirname(folder))
    os.symlink(tmp_path / "unmounted", folder)
    said = _refused(os.path.join(folder, "x.csv"))
    assert f"lies in {folder}, a symbolic link to {tmp_path / 'unmounted'}, which" in said
    assert "characters)" not in said
    deep = str(tmp_path / "/".join(["g" * 250] * 14))  # (a folder under 4,096 bytes)
    os.makedirs(os.path.dirname(deep))
    os.symlink(tmp_path / "unmounted", deep)
    said = _refused(os.path.join(deep, "x.csv"))
    assert "lies in" in said and f"({len(deep)} characters)" in said
    assert len(said) < 2 * PATH_LIMIT + 400, len(said)  # (the folder, and the path)


def test_a_config_folder_is_named_whole_up_to_the_limit_and_clipped_beyond():
    folder = "/tmp/h473/" + "b" * 300  # (a name over 255 bytes: no folder can be it)
    said = shadowed_configs(["--config-dir", folder])
    assert said is not None and said.startswith(f"ConfigError: config folder {folder} (")
    folder = "/tmp/h473/" + "a/" * 2499 + "a"
    said = shadowed_configs(["--config-dir", folder])
    assert said is not None and f"({len(folder)} characters) (--config-dir" in said
    assert len(said) < PATH_LIMIT + 400, len(said)


@pytest.mark.parametrize("form", ["word", "--config-path"])
def test_a_stray_word_and_a_config_path_of_5000_characters_are_clipped(form):
    """Both were echoed whole: mia-train /tmp/aaa... (5,000) was a line of 5,154 characters,
    mia-train --config-path /tmp/aaa... one of 5,310."""
    for path in ("/tmp/h473/" + "/".join(["w" * 99] * 3), "/tmp/h473/" + "w" * 5000):
        if form == "word":
            said = bare_word([path])
            assert said is not None and "no file or folder of that name" in said
        else:
            said = shadowed_configs([form, path])
            assert said is not None and said.startswith(f"ConfigError: {form} ")
        if len(path) <= PATH_LIMIT:
            assert path in said and "characters)" not in said, said
        else:
            assert f"({len(path)} characters)" in said and len(said) < PATH_LIMIT + 400
