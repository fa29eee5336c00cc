"""h493: the refusals of a run's files (tracking/artifacts.py's read_json and
checkpoint_mismatch, tracking/trained_model.py's load_trained_model) and of a
``hydra.searchpath`` folder (hydra_guard.searchpath_problem) put their paths into the
message bare: a run in a folder named ``$'evil\\x1b[2J\\nname'`` (``{bad`` written to its
results.json, read_json of it) cleared the terminal and split the refusal over two lines,
and a path of 1,500 characters was said whole. Each names it now as every refusal does
(`constraints.shown_path`: a name with a control character as ``$'...'`` writes it, one
longer than `constraints.PATH_LIMIT` clipped, with its length); an ordinary path is said
as before, whole and as it is."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mia_defense.constraints import shown_path
from mia_defense.errors import MiaDefenseError
from mia_defense.hydra_guard import searchpath_problem
from mia_defense.tracking.artifacts import SCHEMA_VERSION, checkpoint_mismatch, read_json
from mia_defense.tracking.trained_model import load_trained_model
from tests.hostile.test_h481_paths_in_more_suggested_commands import _long, _ordinary


def _refusal(load: Callable[[], object]) -> str:
    with pytest.raises(MiaDefenseError) as caught:
        load()
    return str(caught.value)


def _results(folder: Path, **fields: object) -> Path:
    """A results.json that load_trained_model reads up to its checkpoints (a run of 2)."""
    payload = {"schema_version": SCHEMA_VERSION, "status": "complete", "num_classes": 2,
               "input_shape": [4], "config": {"model": {"_target_": "mia_defense.models.MLP"},
                                              "plan": {"num_models": 2}}}  # fmt: skip
    file = folder / "results.json"
    file.write_text(json.dumps({**payload, **fields}))
    return file


def _json_torn(folder: Path) -> tuple[str, str]:  # artifacts.read_json
    file = folder / "results.json"
    file.write_text("{bad")
    return str(file), _refusal(lambda: read_json(file))


def _json_missing(folder: Path) -> tuple[str, str]:
    file = folder / "results.json"
    return str(file), _refusal(lambda: read_json(file))


def _json_empty(folder: Path) -> tuple[str, str]:
    file = folder / "results.json"
    file.write_text("")
    return str(file), _refusal(lambda: read_json(file))


def _json_list(folder: Path) -> tuple[str, str]:
    file = folder / "results.json"
    file.write_text("[1]")
    return str(file), _refusal(lambda: read_json(file))


def _json_folder(folder: Path) -> tuple[str, str]:
    file = folder / "results.json"
    file.mkdir()
    return str(file), _refusal(lambda: read_json(file))


def _no_config(folder: Path) -> tuple[str, str]:  # trained_model.load_trained_model
    file = _results(folder, config=None)
    return str(file), _refusal(lambda: load_trained_model(folder, 0))


def _attack_record(folder: Path) -> tuple[str, str]:  # (its 'source' names the attacked file)
    attacked = str(folder / "observations.npz")
    file = _results(folder, source={"kind": "observations", "path": attacked})
    message = _refusal(lambda: load_trained_model(folder, 0))
    assert f" on {shown_path(attacked)} " in message
    return str(file), message


def _no_schema(folder: Path) -> tuple[str, str]:
    file = _results(folder, schema_version=None)
    return str(file), _refusal(lambda: load_trained_model(folder, 0))


def _forbidden_target(folder: Path) -> tuple[str, str]:
    file = _results(folder, config={"model": {"_target_": "os.system"}})
    return str(file), _refusal(lambda: load_trained_model(folder, 0))


def _index_out_of_range(folder: Path) -> tuple[str, str]:
    _results(folder)
    return str(folder), _refusal(lambda: load_trained_model(folder, 5))


def _no_checkpoint(folder: Path) -> tuple[str, str]:
    _results(folder)
    message = _refusal(lambda: load_trained_model(folder, 0))
    return str(folder / "checkpoints" / "model_0000.pt"), message


def _no_undefended_shadows(folder: Path) -> tuple[str, str]:
    _results(folder)
    message = _refusal(lambda: load_trained_model(folder, 0, undefended=True))
    return str(folder / "checkpoints_undefended"), message


def _searchpath(folder: Path) -> tuple[str, str]:  # hydra_guard.searchpath_problem
    entry = f"file://{folder}/configs"
    message = searchpath_problem(entry)
    assert message is not None
    return entry, message


_REFUSALS = [_json_torn, _json_missing, _json_empty, _json_list, _json_folder, _no_config,
             _attack_record, _no_schema, _forbidden_target, _index_out_of_range, _no_checkpoint,
             _no_undefended_shadows, _searchpath]


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_a_name_with_an_escape_code_is_escaped(refused, tmp_path: Path) -> None:
    folder = tmp_path / "evil\x1b[2J\nname"
    folder.mkdir()
    path, message = refused(folder)
    assert "\x1b" not in message and "\n" not in message
    assert "evil\\x1b[2J\\x0aname" in message
    assert shown_path(path) in message


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_a_path_of_1500_characters_is_clipped(refused, tmp_path: Path) -> None:
    folder = _long(tmp_path)
    folder.mkdir(parents=True)
    path, message = refused(folder)
    assert str(folder) not in message
    assert f"… ({len(path)} characters)" in message
    assert shown_path(path) in message


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_an_ordinary_path_is_said_as_it_is(refused, tmp_path: Path) -> None:
    folder = _ordinary(tmp_path)
    folder.mkdir(parents=True)
    path, message = refused(folder)
    assert shown_path(path) == path
    assert f"{path}:" in message or f"{path} " in message


def _mismatched_checkpoint(folder: Path, name: str) -> str | None:
    (folder / "checkpoints").mkdir()
    (folder / name).write_bytes(b"weights of another run")
    return checkpoint_mismatch(folder, {"sha256": {name: "0" * 64}})


def test_a_checkpoint_named_with_an_escape_code_is_escaped(tmp_path: Path) -> None:
    name = "checkpoints/evil\x1b[2J\nname.pt"  # (a key of an edited results.json's sha256)
    message = _mismatched_checkpoint(tmp_path, name)
    assert message is not None and "\x1b" not in message and "\n" not in message
    assert message.startswith("$'checkpoints/evil\\x1b[2J\\x0aname.pt' in its folder has "
                              "another sha256")


def test_an_ordinary_checkpoint_is_named_as_it_is(tmp_path: Path) -> None:
    message = _mismatched_checkpoint(tmp_path, "checkpoints/model_0000.pt")
    assert message is not None
    assert message.startswith("checkpoints/model_0000.pt in its folder has another sha256")
