"""mia-attack on a run folder whose results.json was edited in a way only mia-report's checks
caught (test_size raised, test_accuracy_std narrowed, the headline deleted): mia-attack
attacked the run and carried its facts, and mia-report then skipped the new record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError


def _edit(run: Path, change) -> None:
    payload = json.loads((run / "results.json").read_text())
    change(payload)
    (run / "results.json").write_text(json.dumps(payload))


@pytest.mark.parametrize(("name", "change", "said"), [
    ("test_size", lambda p: p.update(test_size=p["test_size"] + 500),
     r"test_size is \d+, but config.plan.test_size, which drew the test set, is \d+: the file "
     "was edited; rerun the run"),
    ("std", lambda p: p["utility"].update(test_accuracy_std=p["utility"]["test_accuracy_std"]
                                          + 0.0123457),
     r"utility.test_accuracy_std is [0-9.]+, which the hits of its \d+ models on its \d+ test "
     "records cannot give"),
    ("headline", lambda p: p.pop("headline"),
     r"no headline block \(or not an object\), but timings says mia-defense wrote the file"),
])  # fmt: skip
def test_an_edit_mia_report_skips_is_refused_before_the_attack(fast_run, tmp_path, name,
                                                               change, said):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / name))
    read_source(run)  # (the copy whole: the same run)
    if name == "test_size":  # (a run of a test set of a given count)
        # its config edited so: without the checkpoints (deleted to save space), whose
        # fingerprint would name the edit (h150), as a run of that config would read
        shutil.rmtree(run / "checkpoints")
        _edit(run, lambda p: p["config"]["plan"].update(test_size=p["test_size"]))
        read_source(run)
    _edit(run, change)
    with pytest.raises(DataError, match=rf"results.json: {said}.*; mia-attack reads the run's "
                       "facts from it: attack the observations alone instead"):
        read_source(run)
