"""An attack that gives every judged record one score per target, and the canaries others,
was said to 'never decide the verdict' (its scores on the judged records measure nothing)
yet was named the strongest attack: `strongest` and the all-tied check read every record's
scores, canaries included, where the warning and the figures read the judged records only."""

from __future__ import annotations

import numpy as np

from mia_defense import api
from mia_defense.attacks.base import requires_access

_CANARIES = 6


@requires_access("outputs")
def constant_but_canaries(obs, targets):
    """0 for every record but the first few (the canaries), which get the truth."""
    scores = np.zeros((len(targets), len(obs.labels)))
    scores[:, :_CANARIES] = obs.masks[np.asarray(targets)][:, :_CANARIES]
    return scores


def test_an_attack_tied_on_the_judged_records_never_names_the_verdict(caplog):
    rng = np.random.default_rng(0)
    k, n, c = 4, 80, 3
    masks = np.zeros((k, n), dtype=bool)
    for i in range(n):
        masks[rng.permutation(k)[:2], i] = True
    labels = rng.integers(0, c, n)
    z = rng.normal(size=(k, n, c))
    model, record = np.nonzero(~masks)
    z[model, record, labels[record]] += 5.0  # non-members confident and right, members
    z[masks] = 0.0  # uniform: every attack of ours reads below chance
    obs = api.observations_from_arrays(z, masks, labels, kind="logits")
    canary = np.arange(n) < _CANARIES
    overrides = [
        "attack.bootstrap=0", "attack.queries.num_augmented=0", "~attack.attacks.shokri",
        "~attack.attacks.lira_online", "~attack.attacks.lira_offline", "~attack.attacks.rmia",
        "~attack.attacks.label_only", "~attack.attacks.modified_entropy_class",
        "+attack.attacks.mine._target_=tests.attacks.test_h183_tied_judged_records."
        "constant_but_canaries",
        "+attack.attacks.mine._partial_=true",
    ]
    with caplog.at_level("WARNING"):
        result = api.audit(obs, overrides=overrides, is_canary=canary).result
    assert "attack mine: it gave every record the same score" in caplog.text
    assert result.attacks["mine"]["auc"] == 0.5
    assert result.strongest_attack != "mine"
