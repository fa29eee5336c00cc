"""An Optuna search refused whatever it draws (its config refused on its own: a CSV that is
not there) named its searched keys whole: a CSV column's categories, a key of any length the
config takes (``dataset.categories={<200 x>: [a, b]}`` searched as
``dataset.categories.<200 x>: "choice([a,b],[b,a])"``), gave '...; every trial of this search
would be refused so, whatever it draws (dataset.categories.<200 x>)', a line of 481
characters. Each searched key is named as a refusal names a long one now
(`constraints.keys_shown`); a short key keeps its words."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import KEY_LIMIT
from tests.helpers import mia_train


@pytest.mark.parametrize("column", ["x" * 200, "x" * (KEY_LIMIT - len("dataset.categories."))])
def test_a_searched_key_is_clipped_in_whatever_it_draws(column: str, tmp_path: Path):
    sweep = tmp_path / "search"
    key = f"dataset.categories.{column}"
    done = mia_train("-m", "hparams_search=optuna_custom", "dataset=csv",
                     f"dataset.path={tmp_path / 'nothere.csv'}", "dataset.label_column=y",
                     f"dataset.categories={{{column}: [a, b]}}",
                     f'+hydra.sweeper.params={{{key}: "choice([a,b],[b,a])"}}',
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert not sweep.exists()
    lines = [line for line in done.stderr.splitlines() if line.startswith("DataError: ")]
    assert len(lines) == 1, done.stderr[-3000:]
    tail = f"… ({len(key)} characters)"
    shown = key if len(key) <= KEY_LIMIT else key[:KEY_LIMIT - len(tail)] + tail
    assert lines[0].endswith(
        f"does not exist; set dataset.path to a CSV file with a header line; every trial of "
        f"this search would be refused so, whatever it draws ({shown}); nothing was run. Fix "
        "the setting the refusal names, then run the search again"), lines[0]  # fmt: skip
    assert "x" * (KEY_LIMIT + 1) not in lines[0], lines[0]
