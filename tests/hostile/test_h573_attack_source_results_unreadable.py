"""h573: `mia-attack RUN` on a run folder whose results.json cannot be read as a run's record
(cut short, empty, a folder, nested deeper than any run writes) gave `read_json`'s advice for
an output folder: 'the run was probably interrupted' (runs write results.json whole, in one
rename) or 'remove it or choose another directory' (removing the source's record is no fix).
The refusal now says what mia-attack reads from the file and what to do: put the run's own
back, or attack the observations alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError


def _torn(path: Path) -> None:
    path.write_text(path.read_text()[:200])


def _empty(path: Path) -> None:
    path.write_text("")


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _deep(path: Path) -> None:
    path.write_text("[" * 200 + "]" * 200)


def _huge_number(path: Path) -> None:
    path.write_text('{"seed": ' + "9" * 5000 + "}")


def _deeply_nested_object(path: Path) -> None:
    payload = json.loads(path.read_text())
    node = payload
    for _ in range(100):
        node["x"] = {}
        node = node["x"]
    path.write_text(json.dumps(payload))


@pytest.mark.parametrize("damage", [_torn, _empty, _folder, _deep, _huge_number,
                                    _deeply_nested_object])
def test_a_source_results_json_that_cannot_be_read_says_what_to_do(fast_run, tmp_path, damage):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    damage(run / "results.json")
    with pytest.raises(DataError) as refused:
        read_source(run)
    said = str(refused.value)
    assert "results.json:" in said, said
    assert "probably interrupted" not in said, said
    assert "choose another directory" not in said, said
    assert "mia-attack reads the run's facts from it" in said, said
    assert "put the run's own results.json back" in said, said
    assert f"mia-attack {run / 'observations.npz'}" in said, said
