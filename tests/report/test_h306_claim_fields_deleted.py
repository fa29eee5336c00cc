"""``privacy.epsilon_untested`` deleted from a DP run's results.json (a real run, defense=dp
plan.num_models=4 train.epochs=2: no attack could show more than ε >= 5.78 beside its 7.99)
took the caveat 'DP claim untested' with it, and ``epsilon_refuted`` deleted with its reason
left a refuted claim unsaid: the report now makes the run's own claim check on the
strongest attack's scores where such a field is missing (h306)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.report.checks import caveats
from mia_defense.report.folder_checks import _with_claim
from mia_defense.report.scores import read_scores
from mia_defense.tracking import write_npz
from tests.report.fake_runs import make_run


@pytest.mark.parametrize(
    ("signal", "epsilon", "recorded", "said"),
    [
        (0.0, 8.0, {"epsilon_refuted": False, "epsilon_untested": "its run's words"},
         "DP claim untested: its run's words"),
        (0.0, 8.0, {"epsilon_refuted": False}, "DP claim untested: too few decisions"),
        (0.0, 8.0, {}, "DP claim untested: too few decisions"),
        # mia-attack's record (it measures the claim it carries again)
        (0.0, 8.0, {"epsilon_refuted": False, "source": True}, "DP claim untested: too few"),
        (4.0, 0.5, {}, "DP claim refuted: found by the report on the attack's scores"),
        (0.0, 0.5, {"epsilon_refuted": False}, None),  # tested, and it held
        # canaries (a one-run audit's): each attack's bound on them, unread, was held too
        (0.0, 8.0, {"epsilon_refuted": False, "canaries": True}, None),
    ],
)  # fmt: skip
def test_claim_fields_deleted(tmp_path, signal, epsilon, recorded, said) -> None:
    # (what load_runs gives caveats; a record of mia-defense: its timings)
    payload = make_run(tmp_path, test_accuracy=0.8, signal=signal, defense="dp", epsilon=epsilon)
    payload["attacks"][payload["strongest_attack"]]["empirical_epsilon"] = 1.0
    if recorded.pop("source", False):
        payload["source"] = {"kind": "run", "path": "run", "metadata": {}}
    if recorded.pop("canaries", False):
        with np.load(tmp_path / "scores.npz") as data:
            arrays = dict(data)
        write_npz(tmp_path / "scores.npz", **arrays, is_canary=np.arange(200) < 10)
    payload["privacy"].update(empirical_epsilon=1.0, empirical_epsilon_delta=1e-4, **recorded)
    payload.update(timings={"training": 1.0}, canaries=0, data_duplicates=0)
    scores = read_scores(tmp_path, payload["strongest_attack"])
    notes = [n for n in caveats(_with_claim(payload, scores)) if n.startswith("DP claim")]
    if said is None:
        assert not notes
        return
    (note,) = notes
    assert note.startswith(said)
    assert ("found by the report" in note) == (set(recorded) != {"epsilon_refuted",
                                                                "epsilon_untested"})
