"""h520: with one's own config folder whose defaults list includes the packaged config
(``defaults: [config, _self_]``), a misspelt choice of a group that config.yaml selects was
told to add it: ``mia-train --config-dir D --config-name own +model=mlpp`` (and
``model=mlpp``) said "... (e.g. +model=mlp)", which Hydra refuses (config.yaml's defaults
list already has a model entry), where ``model=mlp`` composes. The primary config's choices
(`mia_defense.hydra_failure.primary_config`) now take in those of the configs its defaults
list includes, so the advice is the override that composes; each advice is composed here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import mia_train


def _own(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "own.yaml").write_text("defaults:\n  - config\n  - _self_\n")
    return folder


def _run(tmp_path: Path, folder: Path, *args: str, options: tuple[str, ...] = ()):
    return mia_train("--config-dir", str(folder), "--config-name", "own", *options, *args,
                     f"hydra.run.dir={tmp_path / 'run'}", "progress=false", cwd=tmp_path)


@pytest.mark.parametrize(("override", "group"), [("+model=mlpp", "model"),
                                                 ("model=mlpp", "model"),
                                                 ("+dataset=breast_cancr", "dataset")])
def test_the_advice_for_a_group_the_included_config_selects_composes(tmp_path, override, group):
    folder = _own(tmp_path / "conf")
    done = _run(tmp_path, folder, override)
    assert done.returncode == 2, done.stderr[-2000:]
    advice = re.search(r"\(e\.g\. (\S+)\)$", done.stderr.strip())
    assert advice is not None, done.stderr[-2000:]
    assert advice.group(1).startswith(f"{group}="), done.stderr[-2000:]  # (no '+')
    composed = _run(tmp_path, folder, advice.group(1), options=("--cfg", "job"))
    assert composed.returncode == 0, composed.stderr[-2000:]
    assert not (tmp_path / "run").exists()


def test_a_group_no_included_config_selects_still_takes_the_plus(tmp_path):
    folder = _own(tmp_path / "conf")
    done = _run(tmp_path, folder, "experiment=tradeof")
    assert done.returncode == 2, done.stderr[-2000:]
    advice = re.search(r"\(e\.g\. (\S+)\)$", done.stderr.strip())
    assert advice is not None and advice.group(1) == "+experiment=tradeoff_dp", done.stderr
