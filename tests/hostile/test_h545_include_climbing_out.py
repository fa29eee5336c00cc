"""h545: a config of one's own including a file outside the config folders with '..'
(c/own.yaml = ``defaults: [config, ../other: x, _self_]``) was told "Name one of the config
groups of ..: .ci, .git, .ruff_cache, .venv, _internal, c, conf, core, ...", the folders
beside each folder of Hydra's search path (mia-defense's checkout, Hydra's package) offered
as its groups; ``../other`` was told to "add ../other.yaml", beside whichever folder Hydra
looks in. Both now say the name climbs out of the config folders and where to put the file
(`missing_config_refusals._no_such_group_words`, `_missing_plain_config_words`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_train


@pytest.mark.parametrize(("entry", "start"), [
    ("../other: x", "Could not find '../other/x': own's defaults list names the config group "
                    "'../other', named with '..'"),
    ("../other", "Could not load '../other': own's defaults list names the config "
                 "'../other', which does not exist, named with '..'"),
    ("../other/x", "Could not load '../other/x': own's defaults list names the config "
                   "'../other/x', which does not exist, named with '..'"),
], ids=["group", "config", "nested"])
def test_an_include_out_of_the_config_folders_is_told_where_to_put_it(tmp_path: Path, entry,
                                                                      start):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "own.yaml").write_text(f"defaults: [config, {entry}, _self_]\n")
    done = mia_train("--config-dir", "c", "--config-name", "own",
                     f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and not (tmp_path / "run").exists(), done.stderr[-2000:]
    said = lines[0]
    assert said.startswith(f"ConfigError: {start} out of the config folders"), said
    assert "nothing was run. Put one's own config files inside the --config-dir folder" in said
    for offered in (".git", ".venv", "_internal", "add ../other"):
        assert offered not in said, said
