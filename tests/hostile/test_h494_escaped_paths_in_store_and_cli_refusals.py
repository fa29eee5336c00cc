"""h494: refusals of the command line and the model store put user paths into their
messages bare: a cache_dir in a run's folder or its checkpoint folder (cli/build.py), a
model store lock that is a folder or a link (store.py), a mia-attack output folder inside
the run attacked, holding a run, a run's models or what is left of a run (cli/attack.py),
an Optuna trial's folder held by a gone process (cli/held_log.py). Under a folder named
``$'evil\\x1b[2J\\nname'`` each cleared the terminal and split the refusal over two lines.
Each names it now as every refusal does (`constraints.shown_path`: a name with a control
character as ``$'...'`` writes it); an ordinary path is said as before, whole and as it is."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from mia_defense.cli import attack, build, held_log
from mia_defense.constraints import shown_path
from mia_defense.errors import MiaDefenseError
from mia_defense.store import ModelStore
from tests.hostile.test_h481_paths_in_more_suggested_commands import _ordinary


def _refusal(refuse: Callable[[], object]) -> str:
    with pytest.raises(MiaDefenseError) as caught:
        refuse()
    return str(caught.value)


def _store_in_checkpoints(folder: Path) -> tuple[list[Path], str]:
    (folder / "results.json").write_text("{}")
    store = folder / "checkpoints" / "store"
    return [store, folder / "checkpoints"], _refusal(
        lambda: build._refuse_store_in_checkpoints(store, run_dir=None))


def _store_in_a_run(folder: Path) -> tuple[list[Path], str]:
    (folder / "results.json").write_text("{}")
    store = folder / "store"
    return [store, folder], _refusal(lambda: build._refuse_store_in_a_run(store, run_dir=None))


def _lock_a_folder(folder: Path) -> tuple[list[Path], str]:
    (folder / "abc.lock").mkdir()
    return [folder / "abc.lock"], _refusal(
        lambda: ModelStore(folder)._locked("abc", what="target models").__enter__())


def _lock_a_link(folder: Path) -> tuple[list[Path], str]:
    (folder / "abc.lock").symlink_to(folder / "elsewhere")
    return [folder / "abc.lock"], _refusal(
        lambda: ModelStore(folder)._locked("abc", what="target models").__enter__())


def _attack_into_its_run(folder: Path) -> tuple[list[Path], str]:
    (folder / "results.json").write_text(json.dumps({"status": "complete"}))
    out = folder / "attack"
    return [out, folder], attack._refuse_output(out, folder, key="hydra.run.dir")


def _attack_into_a_run(folder: Path) -> tuple[list[Path], str]:
    out = folder / "out"
    out.mkdir()
    (out / "results.json").write_text("{}")
    return [out], attack._refuse_output(out, folder / "source", key="hydra.run.dir")


def _attack_into_models(folder: Path) -> tuple[list[Path], str]:
    out = folder / "out"
    (out / "checkpoints").mkdir(parents=True)
    return [out], attack._refuse_output(out, folder / "source", key="hydra.run.dir")


def _attack_into_leftovers(folder: Path) -> tuple[list[Path], str]:
    out = folder / "out"
    out.mkdir()
    (out / "train.log").write_text("")
    return [out], attack._refuse_output(out, folder / "source", key="hydra.run.dir")


def _trial_held_by_a_gone_process(folder: Path, monkeypatch: pytest.MonkeyPatch
                                  ) -> tuple[list[Path], str]:
    monkeypatch.setattr(held_log, "_holder_at", lambda run_dir: ("pid 999999 on here", None))
    monkeypatch.setattr(held_log, "_gone_writer", lambda holder, taken: 999999)
    monkeypatch.setattr(held_log, "TWIN_POLL_S", 0.0)
    return [folder], held_log.wait_for_lock(folder)


def _trial_held_by_a_silent_process(folder: Path, monkeypatch: pytest.MonkeyPatch
                                    ) -> tuple[list[Path], str]:
    monkeypatch.setattr(held_log, "_holder_at", lambda run_dir: ("pid 1 on another host", None))
    monkeypatch.setattr(held_log, "_gone_writer", lambda holder, taken: None)
    monkeypatch.setattr(held_log, "TWIN_POLL_S", 0.0)
    monkeypatch.setattr(held_log, "TWIN_STALL_S", 0.0)
    return [folder], held_log.wait_for_lock(folder)


_REFUSALS = [_store_in_checkpoints, _store_in_a_run, _lock_a_folder, _lock_a_link,
             _attack_into_its_run, _attack_into_a_run, _attack_into_models,
             _attack_into_leftovers, _trial_held_by_a_gone_process,
             _trial_held_by_a_silent_process]


def _refused(refused, folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Path], str]:
    if refused in (_trial_held_by_a_gone_process, _trial_held_by_a_silent_process):
        return refused(folder, monkeypatch)
    return refused(folder)


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_a_name_with_an_escape_code_is_escaped(refused, tmp_path: Path, monkeypatch) -> None:
    root = tmp_path.resolve()
    folder = root / "evil\x1b[2J\nname\u202e"
    folder.mkdir()
    named, message = _refused(refused, folder, monkeypatch)
    assert "\x1b" not in message and "\n" not in message and "\u202e" not in message
    for path in named:
        rest = "" if path == folder else f"/{path.relative_to(folder)}"
        assert f"$'{root}/evil\\x1b[2J\\x0aname\\u202e{rest}'" in message
        assert shown_path(path) in message


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_an_ordinary_path_is_said_as_it_is(refused, tmp_path: Path, monkeypatch) -> None:
    folder = _ordinary(tmp_path.resolve())
    folder.mkdir(parents=True)
    named, message = _refused(refused, folder, monkeypatch)
    assert "$'" not in message
    for path in named:
        assert f"{path}" in message and shown_path(path) == str(path)


@pytest.mark.parametrize("name", ["evil\x1b[2J\nname\u202e", "run one" + "o" * 92])
def test_a_distrusted_store_entry_is_logged_on_one_line(name, tmp_path: Path, caplog) -> None:
    """The model store's warnings (store.py, logging's ``%s``) name its folder and entries
    as its refusals do: an entry whose weights are missing, in a store under a folder with
    an escape code, was logged with the escape code raw, over two lines."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "abc.json").write_text("{}")
    with caplog.at_level(logging.WARNING, logger="mia_defense.store"):
        assert ModelStore(folder)._read("abc", num_models=1) is None
    [line] = [record.getMessage() for record in caplog.records]
    assert line.startswith(f"model store entry {shown_path(folder / 'abc.pt')} is not used: ")
    assert "\x1b" not in line and "\n" not in line
    assert (f"{folder}/abc.pt" in line) is folder.name.isprintable()
