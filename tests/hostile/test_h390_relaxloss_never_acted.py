"""RelaxLoss at an alpha no batch loss fell to did nothing, unsaid: above alpha its gradient is
plain cross-entropy's on every batch (|CE - alpha| on even epochs, CE on odd ones), so
mia-train defense=relaxloss defense.relaxloss.alpha=0.02 plan.num_models=4 train.epochs=10
(or alpha=1e-6) trained the undefended run's models (train loss 0.13487391360104084 and test
accuracy 0.944 bit for bit) with no word, while results.json and mia-report named the run by
relaxloss. Now the run says so after training, with the models' lowest batch loss (the
reason `RelaxLoss.idle_reason` reads from the models' stats: the pipeline says it once a run
and records it, tests/hostile/test_h394_idle_defenses_recorded.py)."""

from __future__ import annotations

import torch

from mia_defense.defenses import RelaxLoss
from tests.defenses.test_regularization import _train

SAID = "the members' batch loss never fell to alpha"


def _said(alpha: float, epochs: int):
    model, history = _train([RelaxLoss(alpha=alpha)], epochs=epochs)
    reason = RelaxLoss(alpha=alpha).idle_reason([history.stats], epochs=epochs)
    return model, [m for m in [reason] if m is not None and SAID in m]


def test_an_alpha_no_batch_reaches_is_said():
    model, said = _said(1e-6, 3)
    assert len(said) == 1
    assert said[0].startswith("defense.relaxloss.alpha=1e-06: the members' batch loss never")
    assert "training of 1 of the 1 model(s) (their lowest batch loss: 0." in said[0]
    # what it says: the model trained as without the defense
    plain, _ = _train([], epochs=3)
    torch.testing.assert_close(model.state_dict(), plain.state_dict())


def test_an_alpha_the_models_reach_is_not_said():
    _, said = _said(0.5, 40)  # (the members' loss is held near 0.5)
    assert not said
