"""h573: `mia-attack RUN hydra.run.dir=LINK`, LINK a symbolic link to a folder mia-attack
must not write into (the run attacked, a folder holding a run, its models, or what is left
of another run), was refused naming where the link leads alone ('hydra.run.dir=/data/x
holds a run already'), a path the user never typed. The refusal now names the path typed,
and where it leads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mia_defense.cli import attack


def _source(tmp_path: Path) -> Path:
    run = tmp_path / "source"
    run.mkdir()
    (run / "observations.npz").write_bytes(b"")
    (run / "results.json").write_text("{}")
    return run


def _inside_the_source(tmp_path: Path, source: Path) -> Path:
    return source / "attacked"


def _holding_a_run(tmp_path: Path, source: Path) -> Path:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "results.json").write_text("{}")
    return folder


def _holding_models(tmp_path: Path, source: Path) -> Path:
    folder = tmp_path / "other"
    (folder / "checkpoints").mkdir(parents=True)
    return folder


def _holding_a_train_log(tmp_path: Path, source: Path) -> Path:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "train.log").write_text("")
    return folder


@pytest.mark.parametrize("target", [_inside_the_source, _holding_a_run, _holding_models,
                                    _holding_a_train_log])
def test_an_output_folder_given_through_a_link_is_named_as_typed(tmp_path, target):
    source = _source(tmp_path)
    leads_to = target(tmp_path, source)
    link = tmp_path / "out"
    os.symlink(leads_to, link)
    said = attack._refuse_output(link, source, key="hydra.run.dir")
    assert said is not None
    assert said.startswith(f"hydra.run.dir={link} (a link to {leads_to})"), said


def test_an_output_folder_without_links_is_named_as_before(tmp_path):
    source = _source(tmp_path)
    folder = _holding_a_run(tmp_path, source)
    said = attack._refuse_output(folder, source, key="hydra.run.dir")
    assert said is not None and said.startswith(f"hydra.run.dir={folder} holds a run"), said


def test_an_output_folder_under_a_linked_folder_names_where_it_leads(tmp_path):
    source = _source(tmp_path)
    folder = _holding_a_run(tmp_path, source)
    os.symlink(tmp_path, tmp_path / "here")
    typed = tmp_path / "here" / "other"
    said = attack._refuse_output(typed, source, key="hydra.run.dir")
    assert said is not None
    assert said.startswith(f"hydra.run.dir={typed} (which leads to {folder}) holds"), said
