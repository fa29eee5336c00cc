"""Readings of a run's utility figures that the run itself (`mia_defense.pipeline.utility`)
and mia-report (`mia_defense.report.checks`) both make, kept in one place so that the
warning and the report's caveat cannot disagree on which runs they concern."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__ = ["BLOWN_UP_LEARNED_SHARE", "BLOWN_UP_LOSS_FACTOR", "DP_VOUCHED_EPSILON",
           "blown_up_loss", "dp_vouched", "release_took_accuracy",
           "some_models_at_chance"]  # fmt: skip

# How many times log(C), the loss of outputs uniform over the C classes (a model that says
# nothing), the models' mean loss on their own training records may reach before their
# training is taken to have blown up (`blown_up_loss`). Measured on digits (log C 2.30):
# training that ran stays below 6 times it (defense=dp at ε 0.1: 3.09, 12.4 at train.lr=0.01;
# weight decay 10: 2.30; label smoothing 0.99: 2.24; dropout 0.95: 1.40), blown-up training
# is 21 times it and more (train.lr=100: 49.5; lr=1e6: 6e5 to 5e15).
BLOWN_UP_LOSS_FACTOR = 10.0
# The share of the way from chance to a perfect accuracy below which blown-up models learned
# nothing to speak of (`blown_up_loss`): train.lr=30 to 1e6 on digits reached 0.076 at most
# (24 tiny runs; test accuracy 0.159 against chance 0.106 at 1e6); models whose loss the
# weights' scale blew up but which learned stayed above 0.3 (defense=dp at ε 1 with
# train.optimizer=sgd train.lr=1: loss 3e4, accuracy 0.41 against 0.11; train.lr=1e6 on
# breast_cancer: 0.88, on digits_standardized: 0.93).
BLOWN_UP_LEARNED_SHARE = 0.2
# The largest accountant's ε that vouches for a DP run whose training blew up (`dp_vouched`):
# above it the claim promises too little to stand in for the attacks' verdict. (ε, δ)-DP
# bounds an attack's TPR at FPR f by e^ε f + δ: at the headline's 0.1% FPR, ε 1 allows at
# most 0.0027 + δ, near chance; ε 8 (defense=dp's default) allows any TPR (e^8 * 0.001 =
# 2.98), so model=cnn defense=dp train.lr=1e4 (loss 9e14, accuracy 0.174 against 0.104)
# read TPR 0 as what its ε promised when it was what its blown-up models said.
DP_VOUCHED_EPSILON = 1.0


def _whole(value: Any) -> bool:
    """An integer, numpy's included, not a boolean (a hand-edited results.json may hold
    anything; numpy's int64 read as no count made the helpers below say nothing)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _real(value: Any) -> bool:
    """A real number, numpy's included (float32 too), not a boolean."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def some_models_at_chance(count: Any, num_models: Any) -> bool:
    """Whether some, but not all, of the run's models' test accuracy is not above chance:
    ``count`` (``utility.test_accuracy_models_at_chance``) and ``num_models`` are both
    integers (not booleans: a hand-edited results.json may hold anything) and
    ``0 < count < num_models``. All of them at chance is the run's own verdict (below
    chance), not a caveat; an absent count (runs of earlier versions) is none."""
    if not all(_whole(v) for v in (count, num_models)):
        return False
    return 0 < count < num_models


def release_took_accuracy(utility: Any) -> str | None:
    """Where the release lowered the models' test accuracy (``utility.test_accuracy_before_release``
    above the released ``test_accuracy``: release=noise on breast_cancer at scale 1.5, 0.953
    before and 0.646 released, 4 of 16 models at chance though every model had learned),
    words that say so for the models-at-chance notes, which otherwise blame the training;
    ``None`` where the release changed no answer (a full, top-k or rounded release) or a
    figure is missing or not a number."""
    if not hasattr(utility, "get"):
        return None
    before, released = utility.get("test_accuracy_before_release"), utility.get("test_accuracy")
    if not all(_real(v) for v in (before, released)):
        return None
    if not before > released + 1e-6:  # (NaN: no test set; float rounding: the same answers)
        return None
    return (f"the release took their accuracy, or their training failed: the models' own test "
            f"accuracy before the release averages {before:.3f}, {released:.3f} released")


def dp_vouched(privacy: Any) -> bool:
    """Whether a DP accountant vouches for a run's privacy whatever its training did
    (``privacy.epsilon`` at most `DP_VOUCHED_EPSILON`, ``epsilon_valid`` not false,
    ``epsilon_refuted`` not true): DP-SGD's noise grows the weights while the model learns
    little (defense.dp.target_epsilon=0.5 train.optimizer=sgd train.lr=1 on a tiny digits
    plan: loss 858, accuracy 0.142 against chance 0.108, as little as blown-up runs keep),
    and its attacks at chance are what its ε promises."""
    claimed = privacy.get("epsilon") if hasattr(privacy, "get") else None
    return (_real(claimed)
            and 0 <= claimed <= DP_VOUCHED_EPSILON and privacy.get("epsilon_valid") is not False
            and privacy.get("epsilon_refuted") is not True)  # fmt: skip


def blown_up_loss(
    utility: Any, num_classes: Any, *, accuracy: float, chance: float, privacy: Any = None
) -> str | None:
    """Why a run's models are no trained models when their training blew the loss up but
    kept it finite (a non-finite one fails the run), or ``None``: the mean loss on their own
    training records (``utility.train_loss``) above `BLOWN_UP_LOSS_FACTOR` times log(C), and
    the judged ``accuracy`` less than `BLOWN_UP_LEARNED_SHARE` of the way from ``chance`` to
    1. train.lr=1e6 left a loss of 5e15 and a test accuracy of 0.159 against chance 0.106,
    whose attacks at chance read as a private model's. Models that learned keep their
    verdict, whatever their loss (its attacks measure the model released). Only a loss
    training recorded (``utility.epochs_trained`` a number): observations alone give the
    released outputs' loss and no epochs, and a rounding or low-temperature release
    inflates that loss of models that trained well. ``None`` too where the run's
    ``privacy`` is `dp_vouched`, and where ``accuracy`` or ``chance`` is no accuracy (outside
    [0, 1], or a ``chance`` of 1)."""
    if dp_vouched(privacy) or not hasattr(utility, "get") or not _whole(num_classes) or (
            num_classes < 2):  # fmt: skip
        return None
    loss, epochs = utility.get("train_loss"), utility.get("epochs_trained")
    if not all(_real(v) and math.isfinite(v)
               for v in (loss, epochs, accuracy, chance)) or not chance < 1:  # fmt: skip
        return None
    if not (0 <= accuracy <= 1 and 0 <= chance):  # no accuracies: a hand-edited figure made
        return None  # a note of "accuracy -0.500 ... -0.67 of the way from chance"
    uniform = math.log(num_classes)
    learned = (accuracy - chance) / (1 - chance)
    if not (loss > BLOWN_UP_LOSS_FACTOR * uniform and learned < BLOWN_UP_LEARNED_SHARE):
        return None
    return (
        f"training blew up, its loss finite: the models' mean loss on their own training "
        f"records (utility.train_loss) is {loss:.3g}, {loss / uniform:.3g} times the "
        f"{uniform:.3g} of outputs uniform over the {num_classes} classes, which need no "
        f"training (training that ran stays below {BLOWN_UP_LOSS_FACTOR:g} times it), and "
        f"their accuracy {accuracy:.3f} is {learned:.2f} of the way from chance "
        f"{chance:.3f} to 1 (below {BLOWN_UP_LEARNED_SHARE:g}): these models learned nothing "
        "to speak of, and attacks at chance on them read as a private model's; lower the "
        "learning rate (train.lr), or check the model's initialisation and output scale"
    )
