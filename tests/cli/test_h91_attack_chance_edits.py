"""mia-attack on a run folder whose ``utility.chance_accuracy`` was lowered by hand (below
1/num_classes, or to no share of its test records): mia-report skips such a run as edited,
but mia-attack judged the attacks against the forged chance (a model that learned nothing
read as above chance) and only mia-report skipped its new record."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.report.checks import payload_problem


@pytest.mark.parametrize(("name", "lowered", "said"), [
    ("floor", lambda chance: 0.01,
     r"utility.chance_accuracy is 0.01, below 1/num_classes = 0.1, the least the majority "
     "class of any test set scores: a figure was changed after the run; rerun it"),
    ("share", lambda chance: chance - 0.0013,
     r"utility.chance_accuracy is [0-9.]+, which is no share of its \d+ test records \(test_size "
     r"x chance_accuracy = [0-9.]+, not a whole number\): a figure was changed after the run; "
     "rerun it"),
])  # fmt: skip
def test_a_chance_lowered_by_hand_is_refused_as_mia_report_skips_it(fast_run, tmp_path, name,
                                                                      lowered, said):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / name))
    read_source(run)  # (the copy whole: the same run)
    payload = json.loads((run / "results.json").read_text())
    assert payload["num_classes"] == 10
    utility = payload["utility"]
    utility["chance_accuracy"] = lowered(utility["chance_accuracy"])
    (run / "results.json").write_text(json.dumps(payload))
    reported = payload_problem(payload)  # mia-report's words for the same file
    assert reported is not None and re.fullmatch(said, reported)
    with pytest.raises(DataError) as refused:
        read_source(run)
    assert str(refused.value) == (
        f"{run / 'results.json'}: {reported}; mia-attack reads the run's facts from it: attack "
        f"the observations alone instead (mia-attack {run / 'observations.npz'})"
    )
