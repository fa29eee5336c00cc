"""h445: mia-train --config-dir with a path no folder can have (a name over 255 bytes, a
path over 4095, a NUL) ended in an OSError traceback ('File name too long') out of
cli.arguments.shadowed_configs, which stats the folder's groups; mia-attack alike. It is
refused in one line now, in `files.path_text_problem`'s words (mia-attack's source's)."""

from __future__ import annotations

import pytest

from mia_defense.cli.arguments import shadowed_configs
from mia_defense.constraints import PATH_LIMIT
from mia_defense.files import path_text_problem

_TEXTS = ["/tmp/h445/" + "b" * 300, "/tmp/h445/" + "a/" * 2500, "/tmp/a\0b"]


@pytest.mark.parametrize(("form", "text"), [
    (form, text) for form in ("--config-dir", "-cd", "searchpath") for text in _TEXTS
    if not (form == "searchpath" and "\0" in text)])  # (Hydra's grammar holds no NUL)
def test_a_config_folder_no_folder_can_be_is_refused_in_one_line(form, text):
    args = [f"hydra.searchpath=['file://{text}']"] if form == "searchpath" else [form, text]
    said = shadowed_configs(args)
    assert said is not None and "\n" not in said and len(said) < PATH_LIMIT + 400  # (h473)
    assert said.startswith("ConfigError: config folder ")
    assert f": {path_text_problem(text)}; give the folder of your own configs" in said
