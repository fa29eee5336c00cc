"""A grid sweep of a key the config lacks (``mia-train -m +foo=1,2``, ``+train.foo=1,2``,
``+model.foo=1,abc``: 'unknown key' at every point, whatever its value) made its folder and
one per point, each refused the same way, the sweep's end listing them. The up-front grid
check now refuses it once, before any folder; a sweep of a key the config has, each point
refused for its own value (``train.lr=-1,0``), is still left to the points (its end names
each: tests/cli/test_h228_sweep_refused_everywhere.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_train

TINY = ("plan.num_models=4", "train.epochs=1", "progress=false", "figures=false")


@pytest.mark.parametrize(("swept", "said"), [
    ("+foo=1,2", "ConfigError: +foo=1: unknown top-level key 'foo'"),
    ("+train.foo=1,2", "ConfigError: +train.foo=1: unknown key 'foo' in train"),
    ("+model.foo=1,abc", "ConfigError: model.foo=1: unknown key 'foo' for "),
])  # fmt: skip
def test_a_sweep_of_a_key_the_config_lacks_is_refused_once_before_its_folder(
        tmp_path: Path, swept: str, said: str):
    done = mia_train("-m", *TINY, swept, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert [p.name for p in tmp_path.iterdir()] == [], done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if "ConfigError" in line]
    assert len(lines) == 1 and lines[0].startswith(said), done.stderr[-2000:]
    assert "; every point of this sweep would be refused so (2 of 2; the first: " in lines[0]
