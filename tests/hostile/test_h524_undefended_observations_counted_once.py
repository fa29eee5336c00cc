"""Under attack.shadow_recipe=undefended (with a defense) the undefended shadow models'
observations (`pipeline.release.release_population`) hold the plan's masks, the very array
the targets' hold, and a labels array of their own ([N] int64, `TrainingData.split` of the
population). mia-train's attack-stage count (`budget.check_budget`'s held,
`budget.observations_bytes` of the 2K models) held the masks [2K, N] and one labels [N]:
K*N bytes counted twice, 8*N made and uncounted. It now counts each array once, where it is
made (helper h524). A tiny run's arrays are summed as they are held at the attack stage."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import budget, experiment
from mia_defense.attacks.shadow import hybrid_observations
from tests.conftest import compose_cfg

FIELDS = ("log_probs", "labels", "masks", "augmented_logits", "augmented_predictions",
          "grad_norms", "test_log_probs", "test_labels")  # fmt: skip


class AttackStage(Exception):
    """The run reached its attack stage (`experiment._attack`)."""


def _made(monkeypatch, tmp_path, overrides: tuple[str, ...]) -> tuple[int, dict]:
    """(the bytes of the distinct arrays the attacks of a target hold: the targets' and the
    shadows' observations, the targets' test outputs and labels, a target's copy of the
    shadows' outputs; the sizes check_budget was asked with) of the tiny run of
    ``overrides``."""
    from mia_defense.cli.build import run
    from mia_defense.pipeline import data as data_stage

    asked: list[dict] = []
    check = data_stage.check_budget
    monkeypatch.setattr(data_stage, "check_budget",
                        lambda **kwargs: (asked.append(kwargs), check(**kwargs))[1])
    held: list[np.ndarray] = []

    def stage(ex, data, ensemble, obs, test_log_probs, attacks, *, shadows=None, **kwargs):
        _, y_test = data.split(data.plan.test_idx)  # (as _attack makes them)
        held.extend([test_log_probs, y_test])
        for observations in (obs, shadows, hybrid_observations(obs, shadows, 0)):
            held.extend(getattr(observations, name) for name in FIELDS)
        raise AttackStage

    monkeypatch.setattr(experiment, "_attack", stage)
    with pytest.raises(AttackStage):
        run(compose_cfg(*overrides), tmp_path)
    distinct = {a.__array_interface__["data"][0]: a.nbytes
                for a in held if a is not None and a.nbytes}  # fmt: skip
    return sum(distinct.values()), asked[-1]


@pytest.mark.parametrize("white_box", ["false", "true"])
def test_held_is_what_the_run_makes(monkeypatch, tmp_path, white_box):
    made, asked = _made(monkeypatch, tmp_path, (
        "plan.num_models=2", "train.epochs=1", "attack.bootstrap=0",
        "attack.queries.num_augmented=3", f"attack.white_box={white_box}",
        "attack.shadow_recipe=undefended", "defense=dropout"))  # fmt: skip
    assert asked["shadow_models"] == 2 and asked["num_models"] == 4
    seen: list[int] = []
    real = budget._attack_memory_problems

    def recorded(*args, held, **kwargs):
        seen.append(held)
        return real(*args, held=held, **kwargs)

    monkeypatch.setattr(budget, "_attack_memory_problems", recorded)
    budget.check_budget(**{**asked, "memory_bytes": 10**15, "disk_dir": None})
    models = budget.estimate(**{key: asked[key] for key in (
        "num_models", "population_size", "test_size", "num_classes", "num_params",
        "num_augmented", "epochs", "batch_size")}).models  # fmt: skip
    assert seen == [made + models]
