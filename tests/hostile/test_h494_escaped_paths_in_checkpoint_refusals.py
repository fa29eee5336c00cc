"""h494: the refusals of a run's model checkpoints (training/checkpoints.py: a corrupt file,
one of another config, of other library versions or settings, renamed, a link to nothing,
one that does not fit the model, a file in the checkpoint folder's place) put its path into
their messages bare: a run folder named ``$'evil\\x1b[2J\\nname'`` cleared the terminal and
split the refusal over two lines. Each names it now as every refusal does
(`constraints.shown_path`: a name with a control character as ``$'...'`` writes it); an
ordinary path is said as before, whole and as it is."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from mia_defense.constraints import shown_path
from mia_defense.errors import MiaDefenseError
from mia_defense.training import checkpoints
from mia_defense.training.checkpoints import (
    check_checkpoint_dir,
    load_checkpoint,
    load_state,
    save_checkpoint,
)
from mia_defense.versions import training_versions
from tests.hostile.test_h481_paths_in_more_suggested_commands import _ordinary


def _refusal(refuse: Callable[[], object]) -> str:
    with pytest.raises(MiaDefenseError) as caught:
        refuse()
    return str(caught.value)


def _save(path: Path, index: int = 0, **extra: object) -> None:
    save_checkpoint(path, {"state_dict": {"w": torch.zeros(2)}, "fingerprint": "f",
                           "history": {"epochs": [], "stats": {}}, "index": index, **extra})


def _corrupt(folder: Path) -> tuple[list[Path], str]:
    file = folder / "model_0.pt"
    file.write_bytes(b"not a checkpoint")
    return [file], _refusal(lambda: load_checkpoint(file, fingerprint="f"))


def _not_a_file(folder: Path) -> tuple[list[Path], str]:
    file = folder / "model_0.pt"
    file.mkdir()
    return [file], _refusal(lambda: load_checkpoint(file, fingerprint="f"))


def _link_to_nothing(folder: Path) -> tuple[list[Path], str]:
    file, target = folder / "model_0.pt", folder / "gone.pt"
    file.symlink_to(target)
    return [file, target], _refusal(lambda: load_checkpoint(file, fingerprint="f"))


def _of_another_config(folder: Path) -> tuple[list[Path], str]:
    file = folder / "model_0.pt"
    _save(file)
    return [folder], _refusal(lambda: load_checkpoint(file, fingerprint="g"))


def _renamed(folder: Path) -> tuple[list[Path], str]:
    file = folder / "model_1.pt"
    _save(file, index=0)
    return [file, folder], _refusal(lambda: load_checkpoint(file, fingerprint="f"))


def _malformed(folder: Path) -> tuple[list[Path], str]:
    file = folder / "model_0.pt"
    save_checkpoint(file, {"state_dict": {"w": torch.zeros(2)}, "fingerprint": "f"})
    return [file], _refusal(lambda: load_checkpoint(file, fingerprint="f"))


def _other_versions(folder: Path) -> tuple[list[Path], str]:
    file = folder / "model_0.pt"
    versions = {name: "0.0.1" for name in training_versions()}
    return [file, folder], _refusal(
        lambda: checkpoints._refuse_other_versions(file, {"versions": versions}))


def _other_settings(folder: Path) -> tuple[list[Path], str]:
    file = folder / "model_0.pt"
    payload = {"settings": {"train.chunk_size": 4}}
    return [file, folder], _refusal(lambda: checkpoints._refuse_other_settings(
        file, payload, {"train.chunk_size": 8}))


def _other_settings_beside(folder: Path) -> tuple[list[Path], str]:
    file = folder / "model_1.pt"
    payload = {"settings": {"train.chunk_size": 4}}
    return [file, folder], _refusal(lambda: checkpoints._refuse_other_settings(
        file, payload, {"train.chunk_size": 8}, later=True))


def _does_not_fit(folder: Path) -> tuple[list[Path], str]:
    file = folder / "model_0.pt"
    state = {"weight": torch.zeros(3, 3), "bias": torch.zeros(3)}
    return [file], _refusal(lambda: load_state(nn.Linear(2, 2), state, path=file))


def _file_in_the_way(folder: Path) -> tuple[list[Path], str]:
    file = folder / "checkpoints"
    file.write_text("")
    return [file], _refusal(lambda: check_checkpoint_dir(file, fingerprint="f", settings={}))


_REFUSALS = [_corrupt, _not_a_file, _link_to_nothing, _of_another_config, _renamed, _malformed,
             _other_versions, _other_settings, _other_settings_beside, _does_not_fit,
             _file_in_the_way]


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_a_name_with_an_escape_code_is_escaped(refused, tmp_path: Path) -> None:
    folder = tmp_path / "evil\x1b[2J\nname\u202e"
    folder.mkdir()
    named, message = refused(folder)
    assert "\x1b" not in message and "\n" not in message and "\u202e" not in message
    for path in named:
        rest = "" if path == folder else f"/{path.name}"
        assert f"$'{tmp_path}/evil\\x1b[2J\\x0aname\\u202e{rest}'" in message
        assert shown_path(path) in message


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_an_ordinary_path_is_said_as_it_is(refused, tmp_path: Path) -> None:
    folder = _ordinary(tmp_path)
    folder.mkdir(parents=True)
    named, message = refused(folder)
    assert "$'" not in message
    for path in named:
        assert f"{path}" in message and shown_path(path) == str(path)


def test_a_file_name_alone_is_escaped(tmp_path: Path) -> None:
    """The fingerprint refusal names the file alone too: a name of its own with an escape
    code (a copy's) is escaped as its folder is."""
    file = tmp_path / "model_0.pt\x1b[2J"
    _save(file)
    message = _refusal(lambda: load_checkpoint(file, fingerprint="g"))
    assert "\x1b" not in message and "$'model_0.pt\\x1b[2J'" in message
    assert os.fspath(tmp_path) in message
