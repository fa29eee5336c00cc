"""h520: a run of one's own config folder whose defaults list includes the packaged config
(``defaults: [config, _self_]``) was refused a misspelt group or key in Hydra's raw words:
``mia-train --config-dir D --config-name own experimnt=tradof`` said "Could not override
'experimnt'; to append to your config use +experimnt=tradof; key 'experimnt' is not in
struct ...", advice that adds a key nothing reads, where the packaged config says "did you
mean 'experiment'?" (the tools' up-front check leaves an own config folder's groups to
Hydra). It now gets the packaged path's words (`misspelt_key_problem`), with the groups and
keys of the config search path and config it composed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import refusal_line


def _own(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "own.yaml").write_text(f"defaults:\n  - config\n  - _self_\n{extra}")
    return folder


def _refusal(tmp_path: Path, folder: Path, *overrides: str) -> str:
    return refusal_line("--config-dir", str(folder), "--config-name", "own", *overrides,
                        cwd=tmp_path)


@pytest.mark.parametrize(("override", "close"), [("experimnt=tradeoff_dp", "experiment"),
                                                 ("datset=breast_cancer", "dataset")])
def test_a_misspelt_packaged_group_gets_the_packaged_words(tmp_path, override, close):
    said = _refusal(tmp_path, _own(tmp_path / "conf"), override)
    name = override.partition("=")[0]
    assert said.startswith(f"ConfigError: {override}: no config group or key {name!r} (Key "
                           f"{name!r} is not in struct); did you mean {close!r}? ("), said
    assert "to append" not in said.lower() and "full_key" not in said, said


def test_a_misspelt_group_or_key_of_ones_own_is_named_with_the_closest(tmp_path):
    folder = _own(tmp_path / "conf", "my_setting: 1\n")
    (folder / "mygroup").mkdir()
    (folder / "mygroup" / "one.yaml").write_text("a: 1\n")
    said = _refusal(tmp_path, folder, "mygrop=one")
    assert "no config group or key 'mygrop'" in said and "did you mean 'mygroup'?" in said, said
    said = _refusal(tmp_path, folder, "my_settin=2")
    assert "no config group or key 'my_settin'" in said and "did you mean 'my_setting'?" in said
