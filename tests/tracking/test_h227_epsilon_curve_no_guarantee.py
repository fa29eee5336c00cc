"""The ε curve of a run whose ε is no guarantee is not in the chart of the guarantees.

Measured (h227, digits, K=4, 3 epochs, target ε 8): ``defense.dp.poisson_sampling=false
defense.dp.allow_unaccounted_sampling=true`` (results.json ``privacy.epsilon_valid`` false)
had its ε in HParams' ``ε, no guarantee`` column, but its per-epoch ε in the Scalars tab was
``defense/epsilon``, the same chart and the same values (5.41, 6.86, 7.99) as the accounted
``defense=dp`` runs' beside it.
"""

from __future__ import annotations

import pytest

from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.tracking.tb_api import TensorBoardAPI


@pytest.mark.parametrize("headline", [{"privacy/epsilon_valid": False},
                                      {"privacy/epsilon_valid": True,
                                       "privacy/epsilon_refuted": True}])  # fmt: skip
def test_an_epsilon_without_guarantee_has_a_curve_of_its_own(tmp_path, headline):
    history = ModelHistory(epochs=[EpochRecord(e, 1.0, 0.5, 1.2, 0.3) for e in range(2)],
                           epoch_stats=[{"epsilon": 5.4}, {"epsilon": 8.0}])  # fmt: skip
    for name, extra in (("valid", {}), ("unaccounted", headline)):
        log_run(tmp_path / name / "tb", histories=[history], hparams={"defense": "dp"},
                attacks={}, figures=False,
                scalars={"utility/test_accuracy": 0.3, "privacy/epsilon": 8.0, **extra})
    tags = TensorBoardAPI(tmp_path).tags("scalars")
    assert "defense/epsilon" in tags["valid/tb"]
    assert "defense/epsilon" not in tags["unaccounted/tb"]
    assert "defense/epsilon_no_guarantee" in tags["unaccounted/tb"]
