"""An Optuna search started again with the same hydra.sweep.dir resumes by drawing the same
trials (its sampler's seed: ${seed}) and skipping those whose runs it finds. Measured with
``hydra.sweeper.sampler.seed=null`` (n_trials=2): started again, it drew 2 other trials,
skipped none, and its optimization_results.yaml left the first start's out, without a
word."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train

# one trial of one epoch, stopped at its first (train.lr=1e30 diverges; a value the run's
# config check refuses, model.dropout: choice(fast), is refused before the search starts,
# 1f033521): the search's start is all these tests need
REFUSED = ["hparams_search=optuna_custom", "plan.num_models=2", "progress=false",
           "figures=false", "hydra.sweeper.n_trials=1", "hydra.sweeper.n_jobs=1",
           "train.epochs=1", "plan.reference_size=300",
           '+hydra.sweeper.params={train.lr: "choice(1e30)"}']  # fmt: skip
SAID = "hydra.sweeper.sampler.seed=null: this search draws other trials each time it starts"


@pytest.mark.parametrize(("seed", "warned"), [("null", True), ("3", False)])
def test_an_unseeded_search_is_said_not_to_resume(tmp_path, seed, warned):
    done = mia_train("-m", *REFUSED, f"hydra.sweeper.sampler.seed={seed}",
                     f"hydra.sweep.dir={tmp_path / 'search'}", cwd=tmp_path)  # fmt: skip
    assert "DivergedError: training diverged" in done.stderr, done.stderr[-3000:]
    assert (SAID in done.stderr) is warned
