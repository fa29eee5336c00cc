"""The run's utility figures and whether its models learned: the accuracy of the released
outputs against chance (`released_accuracy`, `utility_figures`, `judged_accuracy`), and the
models at chance or blown up that leave a run without a verdict (`warn_models_at_chance`,
`_models_learned_nothing`, `_blown_up`).

Split out of `mia_defense.pipeline.evaluate` (the attack stage, which reads these figures
for its verdict and `RunResult.utility_below_chance`), so that module keeps to running and
summarising the attacks; mia-train's end-of-run table and `mia_defense.report` read the
same figures from here."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from mia_defense.errors import first_few
from mia_defense.metrics.utility import (
    blown_up_loss,
    release_took_accuracy,
    some_models_at_chance,
)
from mia_defense.observations import Observations

if TYPE_CHECKING:
    from mia_defense.training.loop import Ensemble

__all__ = [
    "judged_accuracy",
    "models_at_chance_note",
    "released_accuracy",
    "utility_figures",
    "warn_models_at_chance",
]


log = logging.getLogger("mia_defense.pipeline.evaluate")  # (its lines read as the attack stage's)


def _above_chance(utility: Mapping[str, Any]) -> bool:
    """Whether the judged accuracy beats the majority class: on the test set, or, without
    one, on the members (where a constant answer scores the majority share of each model's
    own members, above the population's when the masks favour a class)."""
    what, accuracy = judged_accuracy(utility)
    chance = float(utility["chance_accuracy"])
    if what == "member":
        chance = max(chance, float(utility.get("members_chance_accuracy", chance)))
    return bool(accuracy > chance)


def judged_accuracy(utility: Mapping[str, Any]) -> tuple[str, float]:
    """The accuracy held against chance: ``("test", ...)``, or ``("member", ...)`` when
    there is no test set. ``("median model's test", ...)`` when the mean beats chance but
    the median model does not: most targets learned nothing (train.lr too high: 6 of 8 at
    chance, one at 0.2, a mean of 0.124 against 0.112), so the pooled attacks' low success
    says nothing about privacy."""
    test = utility.get("test_accuracy")
    if test is None or math.isnan(test):
        return "member", float(utility["train_accuracy"])
    median, chance = utility.get("test_accuracy_median"), utility.get("chance_accuracy")
    if isinstance(median, int | float) and isinstance(chance, int | float):
        if float(test) > float(chance) and not float(median) > float(chance):
            return "median model's test", float(median)
    return "test", float(test)


def released_accuracy(
    obs: Observations, log_probs_test: np.ndarray | None, y_test: np.ndarray | None
) -> dict[str, float]:
    """Accuracy on the released outputs: members vs held-out test set, averaged over models;
    ``chance_accuracy`` is what always answering the majority class scores, on the test set
    (on the population without one; the test figures are then NaN), and
    ``members_chance_accuracy`` the same on each model's own members, averaged;
    ``test_accuracy_median`` the median model's test accuracy (`judged_accuracy`);
    ``test_accuracy_models_at_chance`` (with a test set) how many models' test accuracy is not
    above chance (`warn_models_at_chance`)."""
    train_hits = [  # a model without members (a mask of a user's) has no member accuracy
        Fraction(int((obs.log_probs[k, obs.masks[k]].argmax(-1)
                      == obs.labels[obs.masks[k]]).sum()), int(obs.masks[k].sum()))
        for k in range(obs.num_models) if obs.masks[k].any()
    ]  # fmt: skip
    # Means of the exact fractions, as the members' chance below: float means of models right
    # on 16 and 18 of 150 members (majority 17) put the accuracy one ulp above chance
    train_mean = _exact_mean(train_hits)
    if log_probs_test is None or y_test is None or not len(y_test):
        test_acc = np.array([np.nan])
        mean_acc = median_acc = float("nan")
        chance = float(np.bincount(obs.labels).max() / len(obs.labels))
    else:
        hits = (log_probs_test.argmax(-1) == y_test[None]).sum(axis=1)
        test_acc = hits / len(y_test)
        # The mean and median from the integer hits, each one division as chance is: models
        # right on 88 and 90 of 797 averaged one ulp above the majority class's 89/797 (a
        # privacy verdict for models that learned nothing).
        mean_acc = float(hits.sum() / (len(hits) * len(y_test)))
        median_acc = float(np.median(hits) / len(y_test))
        counts = np.bincount(y_test, minlength=obs.num_classes)
        chance = float(counts.max() / len(y_test))
        at_chance = int((hits <= counts.max()).sum())  # (integer hits: no rounding)
    # The member accuracy's own chance: what the best constant answer scores on each model's
    # members (their class shares differ from the population's when the masks do).
    members_chance = _exact_mean([Fraction(int(np.bincount(obs.labels[m]).max()), int(m.sum()))
                                  for m in obs.masks if m.any()])  # fmt: skip
    return {
        **({} if log_probs_test is None or y_test is None or not len(y_test)
           else {"test_accuracy_models_at_chance": at_chance}),
        "members_chance_accuracy": members_chance,
        "train_accuracy": train_mean,
        "test_accuracy": mean_acc,
        "test_accuracy_std": float(np.std(test_acc)),
        "test_accuracy_median": median_acc,
        "generalization_gap": float(train_mean - mean_acc),
        "chance_accuracy": chance,
    }


def _exact_mean(values: Sequence[Fraction]) -> float:
    """The mean of exact fractions, rounded once (NaN for none)."""
    return float(sum(values, Fraction(0)) / len(values)) if values else float("nan")


def utility_figures(
    ensemble: Ensemble,
    log_probs_test: np.ndarray,
    y_test: np.ndarray,
    obs: Observations,
    *,
    members_once: np.ndarray | None = None,
) -> dict[str, float]:
    """`released_accuracy`, with the losses of the released weights and the epochs of the
    models' training histories; ``members_once``: the population's outputs asked once, as
    the test set's were (`release_members_once`), for the members' accuracy and the gap.
    ``test_accuracy_before_release``: the released weights' own test accuracy, the argmax of
    their outputs before the release (a release that destroys the utility, heavy noise,
    leaves it above chance: `mia_defense.report.checks.release_below_chance_note`)."""
    if members_once is not None:
        obs = replace(obs, log_probs=members_once)
    accuracy = released_accuracy(obs, log_probs_test, y_test)
    finals = [h.of_released for h in ensemble.histories]
    return {
        **{k: accuracy[k] for k in ("train_accuracy", "test_accuracy", "test_accuracy_std",
                                    "test_accuracy_median", "generalization_gap",
                                    "test_accuracy_models_at_chance") if k in accuracy},
        "test_accuracy_before_release": float(np.mean([r.test_acc for r in finals])),
        "train_loss": float(np.mean([r.train_loss for r in finals])),
        "test_loss": float(np.mean([r.test_loss for r in finals])),
        "epochs_trained": float(np.mean([len(h.epoch_stats) for h in ensemble.histories])),
        "chance_accuracy": accuracy["chance_accuracy"],
    }


def models_at_chance_note(utility: Mapping[str, Any], num_models: Any) -> str | None:
    """Why a run judged above chance understates its leak when some of its models learned
    nothing (``utility.test_accuracy_models_at_chance``, 0 < n < K), or ``None``: their
    targets' chance-level scores are pooled with the others' (train.lr=0.2 on digits, K=8:
    4 models at or below chance, the mean 0.171 and the median 0.143 above the majority's
    0.112, so the run was ranked as any other)."""
    count = utility.get("test_accuracy_models_at_chance")
    if not some_models_at_chance(count, num_models):
        return None
    cause = release_took_accuracy(utility)
    if cause is not None:
        return (f"{count} of the {num_models} models' test accuracy is not above chance: "
                f"{cause}; the attacks pool their targets' chance-level scores with the "
                "others', so the leak of the models that learned is understated")
    return (f"{count} of the {num_models} models' test accuracy is not above chance: they "
            "learned nothing (training that failed in some models), and the attacks pool "
            "their targets' chance-level scores with the others', so the leak of the models "
            "that learned is understated")


def warn_models_at_chance(utility: Mapping[str, Any], num_models: int) -> None:
    """Warn with `models_at_chance_note` where the run gets a verdict."""
    if "chance_accuracy" not in utility or not _above_chance(utility):
        return
    note = models_at_chance_note(utility, num_models)
    if note:
        log.warning("SOME MODELS AT CHANCE: %s", note)


def _at_chance(
    obs: Observations, models: np.ndarray, records: np.ndarray
) -> list[tuple[int, float, float]]:
    """(model, accuracy, chance) of each of the ``models`` whose accuracy on the judged
    ``records`` ([N] bool) it did not train on is not above their majority class's."""
    found = []
    for k in np.asarray(models):
        held_out = ~obs.masks[k] & records
        if not held_out.any():  # (one kind of record: said apart)
            continue
        labels = obs.labels[held_out]
        hits = int((obs.log_probs[k, held_out].argmax(-1) == labels).sum())
        majority = int(np.bincount(labels).max())
        if hits <= majority:  # integer counts: no rounding
            found.append((int(k), hits / len(labels), majority / len(labels)))
    return found


def _at_chance_text(found: list[tuple[int, float, float]]) -> str:
    return first_few(found, 8, sep="; ", more=True,
                     each=lambda one: f"model {one[0]}: {one[1]:.3f} against {one[2]:.3f}")


def _models_learned_nothing(
    obs: Observations, targets: np.ndarray, records: np.ndarray, utility: Mapping[str, Any],
    shadows: Observations | None = None,
) -> str | None:
    """Why a run judged above chance gets no verdict because most of the models its attacks
    read learned nothing, or ``None``: each model's accuracy on the judged ``records`` ([N]
    bool) it did not train on, held to their majority class's (`_at_chance`).

    The targets, where the attacks judge fewer than the run trained (attack.num_targets <
    plan.num_models) or the run has no test set: its accuracy is every model's, so
    train.lr=0.3 on digits with K=8 and attack.num_targets=1 (seed 5: target 0 at 0.077 on
    its non-members against 0.118, the median model at 0.155 against 0.118) was judged on
    the seven models the attacks did not target, and their TPR on a model that learned
    nothing read as a private model's; without a test set the members' mean accuracy is
    judged (`judged_accuracy`): 5 of 8 models answering one class beside 3 that learned got
    a verdict. And a naive attacker's ``shadows`` (attack.shadow_recipe=undefended): without
    DP's clipping, train.lr=1e4 left them at chance while the DP targets reached 0.61, and
    attacks calibrated on them read the targets as private."""
    if "chance_accuracy" not in utility or not _above_chance(utility):
        return None  # (the run's own verdict: no verdict)
    if len(targets) < obs.num_models or judged_accuracy(utility)[0] == "member":
        found = _at_chance(obs, targets, records)
        if 2 * len(found) > len(targets):
            fewer = len(targets) < obs.num_models
            return (
                f"{len(found)} of the {len(targets)} target models the attacks judge (attack."
                f"num_targets, of the {obs.num_models} models) learned nothing: their accuracy "
                "on the records they did not train on is not above the majority class's "
                f"({_at_chance_text(found)}), though the run's {judged_accuracy(utility)[0]} "
                "accuracy, the mean of every model's, is above chance; attacks at chance on "
                "such targets read as a private model's. "
                + ("Attack more targets (attack.num_targets), or make every model learn "
                   "(lower train.lr)" if fewer else "Make the models learn (lower train.lr)")
            )
    if shadows is not None:
        found = _at_chance(shadows, np.arange(shadows.num_models), records)
        if 2 * len(found) > shadows.num_models:
            return (
                f"{len(found)} of the {shadows.num_models} undefended shadow models (attack."
                "shadow_recipe=undefended, trained without the defenses) learned nothing: "
                "their accuracy on the records they did not train on is not above the "
                f"majority class's ({_at_chance_text(found)}), so the attacks that read them "
                "were calibrated on models that say nothing, and a low success reads as a "
                "private model's; lower train.lr until models without the defenses learn, "
                "or use attack.shadow_recipe=same"
            )
    return None


def _blown_up(
    utility: Mapping[str, Any], privacy: Mapping[str, Any], num_classes: int
) -> str | None:
    """`blown_up_loss` of a run judged on its accuracy, or ``None``."""
    if "chance_accuracy" not in utility:
        return None
    return blown_up_loss(utility, num_classes, accuracy=judged_accuracy(utility)[1],
                         chance=float(utility["chance_accuracy"]), privacy=privacy)  # fmt: skip
