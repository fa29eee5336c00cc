"""An Optuna search over a long key the config lacks, in a config refused on its own too
(``train.lr=-1 '+hydra.sweeper.params={+<200 x>: "choice(1,2)"}'``), lost its refusal of the
key when a7a65260 clipped the key in the config check's 'unknown top-level key': the search's
check (`search_checks._refuse_points_the_run_refuses`) looked for the key as typed among the
problems a drawn point adds, found none, and the search was refused otherwise, the key said
whole ('every trial of this search would be refused so, whatever it draws (<200 x>)'). It
looks for the key clipped too, and says 'every value the search draws is refused' as it does
for a key under 81 characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "hydra.sweeper.n_trials=1", "train.lr=-1"]


@pytest.mark.parametrize("key", ["x" * 200, "x" * 60])
def test_a_long_searched_key_is_refused_as_a_short_one(key: str, tmp_path: Path):
    sweep = tmp_path / "search"
    done = mia_train("-m", "hparams_search=optuna_custom", *TINY,
                     f'+hydra.sweeper.params={{+{key}: "choice(1,2)"}}', f"hydra.sweep.dir={sweep}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert not sweep.exists()
    lines = [line for line in done.stderr.splitlines() if line.startswith("ConfigError: ")]
    assert len(lines) == 1, done.stderr[-3000:]
    assert lines[0].startswith("ConfigError: hydra.sweeper.params: +xx"), lines[0]
    assert ": choice(1,2): every value the search draws is refused: the run's config check " \
        "refuses the choice at 1 and 2 alike (+xx" in lines[0], lines[0]  # fmt: skip
    assert "x" * 81 not in lines[0], lines[0]
