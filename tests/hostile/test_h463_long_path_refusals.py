"""h463: a refusal of a path of 5,000 characters echoed it whole, a 5,000-character line
(``mia-train hydra.run.dir=/tmp/aaa...``, ``cache_dir=/tmp/aaa...``, a NUL in a long path
given to the Python API). The path is shown as other long values are (`constraints.clipped`:
its start, an ellipsis and its length). h471: only beyond `constraints.PATH_LIMIT` (1,000
characters): a path of 300, a deep but real folder, is shown whole, as before h463."""

from __future__ import annotations

import pytest

from mia_defense.constraints import PATH_LIMIT
from mia_defense.errors import ConfigError, DataError
from mia_defense.files import home_expanded
from mia_defense.store import refuse_blocked_root
from tests.helpers import mia_train

_LONG = "a" * 5000


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "aaaa" in line]


@pytest.mark.parametrize("key", ["hydra.run.dir", "cache_dir"])
def test_mia_train_refuses_a_long_path_in_a_short_line(tmp_path, key):
    done = mia_train(f"{key}=/tmp/{_LONG}", "progress=false", *(
        [f"hydra.run.dir={tmp_path / 'run'}"] if key == "cache_dir" else []), cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    (line,) = _lines(done.stderr)
    assert f"{key}=/tmp/aaa" in line and "(5005 characters)" in line
    assert len(line) < PATH_LIMIT + 400, len(line)


def test_a_blocked_long_cache_dir_is_named_in_a_short_line(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError, match=r"a file, not a folder") as refused:
        refuse_blocked_root(tmp_path / "file" / _LONG)
    said = str(refused.value)
    assert "characters)" in said and len(said) < PATH_LIMIT + 400, len(said)


@pytest.mark.parametrize("text", [f"{_LONG}\0", f"~{_LONG}/x"])
def test_home_expanded_shows_a_long_path_clipped(text):
    with pytest.raises(ConfigError) as refused:
        home_expanded(text, where="cache_dir")
    said = str(refused.value)
    assert said.startswith("cache_dir: path='aaa" if "\0" in text else "cache_dir: path='~aaa")
    clipped = 1 if "\0" in text else 2  # (the path, and the home folder it names)
    assert said.count(" characters)") == clipped, said
    assert len(said) < clipped * PATH_LIMIT + 400, len(said)


def test_a_blocked_cache_dir_of_300_characters_is_named_whole(tmp_path):
    (tmp_path / "file").write_text("x")
    root = tmp_path / "file" / "/".join(["a" * 99] * 3)
    assert 300 <= len(str(root)) <= PATH_LIMIT
    with pytest.raises(DataError, match=r"a file, not a folder") as refused:
        refuse_blocked_root(root)
    assert f"cache_dir={root}: cannot use it" in str(refused.value)
    assert "characters)" not in str(refused.value)


@pytest.mark.parametrize("text", ["a" * 300 + "\0", "~" + "a" * 300 + "/x"])
def test_home_expanded_shows_a_path_of_300_characters_whole(text):
    with pytest.raises(ConfigError) as refused:
        home_expanded(text, where="cache_dir")
    assert f"cache_dir: path={text!r}: " in str(refused.value)
    assert "characters)" not in str(refused.value)
