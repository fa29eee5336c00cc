"""An interval in a grid sweep (``mia-train -m 'train.lr=interval(0.01,0.1)'``, the search's
hparams_search forgotten) ended in Hydra's traceback ('BasicSweeper does not support sweep
type : INTERVAL_SWEEP'); it is refused in one line, naming the search to use."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train


@pytest.mark.parametrize(("override", "said"), [
    ("train.lr=interval(0.01,0.1)", "train.lr=interval(0.01,0.1)"),
    ('+hydra.sweeper.params={train.lr: "interval(0.01,0.1)"}',
     "hydra.sweeper.params: train.lr: interval(0.01,0.1)"),
])  # fmt: skip
def test_an_interval_in_a_grid_sweep_is_refused_without_a_traceback(tmp_path, override, said):
    sweep = tmp_path / "sweep"
    done = mia_train("-m", override, "plan.num_models=2", f"hydra.sweep.dir={sweep}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert (f"ConfigError: {said}: an interval is drawn from by a search, and this is a grid "
            "sweep (Hydra's basic sweeper takes lists and ranges); nothing was run. Search it "
            "with hparams_search=optuna_custom (or optuna_tradeoff), or give the values to run "
            "(e.g. train.lr=0.01,0.1)") in done.stderr  # fmt: skip
    assert "Traceback" not in done.stderr
    assert not sweep.exists()
