"""h473: mia-train --config-name with a name no file can have (300 characters: its file,
NAME.yaml, a name over 255 bytes; 5,000: a path over 4,095) ended in an OSError traceback,
'File name too long', out of Hydra's config search (pathlib stat of hydra/conf/NAME.yaml);
mia-attack alike. It is refused in one line now, in `files.path_text_problem`'s words, the
name shown as a path is (`constraints.shown_path`)."""

from __future__ import annotations

import pytest

from mia_defense.cli.arguments import shadowed_configs
from mia_defense.constraints import PATH_LIMIT
from tests.helpers import mia_train

_NAMES = ["a" * 300, "model/" + "a" * 5000, "a" * 251 + ".yaml"]


@pytest.mark.parametrize("name", _NAMES)
@pytest.mark.parametrize("option", ["--config-name", "-cn"])
def test_a_config_name_no_file_can_have_is_refused_in_one_line(option, name):
    said = shadowed_configs([option, name])
    assert said is not None and "\n" not in said and len(said) < PATH_LIMIT + 400, said
    assert said.startswith(f"ConfigError: {option} ")
    assert "longer than any" in said and "nothing was run" in said
    if len(name) <= PATH_LIMIT:
        assert f"{option} {name}: its file" in said
    else:
        assert f"({len(name)} characters): its file" in said


@pytest.mark.parametrize("name", ["a" * 250, "config", "model/mlp"])
def test_a_name_a_file_can_have_is_left_to_hydra(name):
    said = shadowed_configs(["--config-name", name])
    assert said is None or "longer than any" not in said


def test_mia_train_refuses_it_with_exit_2(tmp_path):
    done = mia_train("--config-name", "a" * 300, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "File name too long" not in done.stderr
    assert "holds a name of 305 bytes" in done.stderr, done.stderr[-1000:]
