"""``privacy.outputs_saturated`` (answers of probability 1 the attacks on probabilities tie
on, their figures understating the leak) was written only where the answers were saturated,
and a results.json of before the attack stage measured it (2026-12-06) lacks it the same:
mia-report read a saturated run of that age (or one whose field was deleted) as unsaturated,
ranked on its front without a word. The attack stage now writes it always (null where the
answers are not saturated), and mia-report names it missing from a record of mia-train or
mia-attack, whatever its age: never measured there."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.attacks.threshold import loss_attack
from mia_defense.observations import Observations
from mia_defense.pipeline.evaluate import attack_observations
from mia_defense.report import load_runs
from mia_defense.tracking import write_json
from tests.report.fake_runs import make_run

NAMED = "no privacy.outputs_saturated (whether its answers are saturated"


def test_the_attack_stage_writes_it_where_the_answers_are_not_saturated() -> None:
    rng = np.random.default_rng(0)
    n, c = 300, 3
    labels = rng.integers(0, c, n)
    logits = rng.normal(size=(4, n, c))
    log_probs = (logits - np.log(np.exp(logits).sum(-1, keepdims=True))).astype(np.float32)
    half = np.arange(n) < n // 2
    masks = np.stack([half, ~half, half, ~half])
    obs = Observations.from_arrays({"log_probs": log_probs, "masks": masks, "labels": labels},
                                   source="test")
    result, _ = attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(4),
        evaluation=EvaluationConfig(fprs=(0.1, 0.01), bootstrap=0),
        is_canary=np.zeros(n, bool), population_idx=np.arange(n),
        utility={"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                 "chance_accuracy": 0.4},
        privacy={}, defense={}, training={},
    )  # fmt: skip
    assert "outputs_saturated" in result.privacy
    assert result.privacy["outputs_saturated"] is None


@pytest.mark.parametrize(("source", "marked", "field", "named"), [
    (False, True, None, False),      # measured, not saturated: nothing to say
    (False, True, ..., True),        # mia-train's record without it: never measured (or deleted)
    (True, True, ..., True),         # mia-attack's record the same
    (False, False, ..., False),      # no writer's mark: a tool of your own, not held to it
])  # fmt: skip
def test_a_record_without_it_is_named(tmp_path, source, marked, field, named) -> None:
    run = tmp_path / "run"
    payload = make_run(run, test_accuracy=0.8, signal=1.0)
    payload["privacy"].update(no_verdict_reason=None)
    if field is not ...:
        payload["privacy"]["outputs_saturated"] = field
    if marked:  # (mia-defense's writer mark, and the fields it writes beside it)
        payload.update(timings={"training": 1.0}, headline={}, data_duplicates=0,
                       released_labels_only=False, data_label_copies=[])
    if source:  # mia-attack's record
        payload["source"] = {"kind": "observations", "path": "obs.npz", "metadata": {}}
        payload["privacy"]["masks_suspect"] = None
    write_json(run / "results.json", payload)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["run"]  # (ranked, with its caveat)
    said = [n for _, n in loaded.caveats if NAMED in n]
    assert len(said) == named
