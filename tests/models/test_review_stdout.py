"""Review: stdout carries only the results table, for a user's defense as for a model."""

from __future__ import annotations

import pytest

from mia_defense.defenses import WeightDecay
from tests.models.test_red_models import SMALL


class LoudWeightDecay(WeightDecay):
    """A user's defense that prints when asked for its settings (debugging)."""

    def hparams(self):
        print("hparams asked")
        return super().hparams()


@pytest.mark.slow  # 2-4 s: a run of mia-train's pipeline
def test_a_defenses_prints_go_to_stderr_not_into_the_results_table(make_cfg, tmp_path, capsys):
    # run_experiment asks the defenses for hparams() before training (to name a bad one
    # early), outside the redirect of stdout the rest of the run is under
    from mia_defense.cli.train import run

    cfg = make_cfg("defense=weight_decay", f"defense.weight_decay._target_={__name__}."
                   "LoudWeightDecay", *SMALL)  # fmt: skip
    run(cfg, tmp_path)
    out, err = capsys.readouterr()
    assert "hparams asked" not in out and "hparams asked" in err
