"""Caveats on a ranked run's test accuracy: measured on few records (`small_test_set_note`),
not established above chance (`near_chance_note`, and `release_near_chance_note`: where the
release, not the training, took it there), or with some of its models at chance
(`models_at_chance_note`). `notes.caveats` gives them with the others (and re-exports them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mia_defense.metrics.utility import release_took_accuracy, some_models_at_chance
from mia_defense.report.checks._values import _numbers, one_line
from mia_defense.report.checks.provenance import _test_size
from mia_defense.report.checks.ranking import _release_accuracies, _release_name
from mia_defense.report.stats import LEVEL, wilson_interval

__all__ = [
    "SMALL_TEST_SET",
    "models_at_chance_note",
    "near_chance_note",
    "release_near_chance_note",
    "small_test_set_note",
]


# Below this many test records an accuracy's own sampling error (a 95% interval of +-0.1 at
# 0.5) is a caveat: the report's interval over the K models, all scored on the same records,
# leaves it out.
SMALL_TEST_SET = 100


def small_test_set_note(payload: Mapping[str, Any]) -> str | None:
    """A caveat on a run whose test accuracy rests on fewer than `SMALL_TEST_SET` test
    records (``plan.test_size=5``: 0.800 against chance 0.400, a 95% interval over its 4
    models of [0.575, 1.000], where its 5 records alone give [0.376, 0.964]): the interval the
    report shows is the models' spread on those same records, not the accuracy's
    precision; said too when the records cannot tell the accuracy from chance."""
    size, utility = _test_size(payload), payload.get("utility")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size < SMALL_TEST_SET:
        return None
    if not isinstance(utility, Mapping):
        return None
    accuracy, chance = utility.get("test_accuracy"), utility.get("chance_accuracy")
    if not _numbers(accuracy):
        return None
    low, high = wilson_interval(float(accuracy), size, level=LEVEL)
    above = ""
    if _numbers(chance) and not low > chance:
        above = f", which does not establish it above chance {chance:.3f}"
    return (
        f"its test accuracy {accuracy:.3f} rests on {size} test records: from them alone its "
        f"95% interval is [{low:.3f}, {high:.3f}]{above} (the interval shown is the spread "
        "of its models on those same records); rerun it with a larger plan.test_size"
    )


def models_at_chance_note(payload: Mapping[str, Any]) -> str | None:
    """A caveat on a run some of whose models learned nothing (results.json's
    ``utility.test_accuracy_models_at_chance``, 0 < n < ``num_models``): the attacks pool
    those targets' chance-level scores with the others', so the run's leak is understated
    (train.lr=0.2 on digits, K=8: 4 models at or below chance, the mean and the median above
    it: ranked as any other). Absent (runs of earlier versions) or not a count: none."""
    utility, models = payload.get("utility"), payload.get("num_models")
    count = utility.get("test_accuracy_models_at_chance") if isinstance(utility, Mapping) else None
    if not some_models_at_chance(count, models):
        return None
    cause = release_took_accuracy(utility)
    if cause is not None:
        return (f"{count} of its {models} models' test accuracy is not above chance: {cause}; "
                "pooled with the others' their targets' chance-level scores understate the "
                "leak of the models that learned")
    return (f"{count} of its {models} models' test accuracy is not above chance: they learned "
            "nothing, and pooled with the others' their targets' chance-level scores "
            "understate the leak of the models that learned")


def near_chance_note(payload: Mapping[str, Any]) -> str | None:
    """A caveat on a run whose test set, however large, does not establish its test accuracy
    above chance: the Wilson interval of the accuracy on its ``test_size`` records reaches
    down to ``chance_accuracy`` (breast_cancer's 143 test records, a DP model at 0.643
    against the majority's 0.629: ranked on the front as the least leaky point, a model
    that may have learned nothing, whose low leakage then says nothing about privacy).
    Small test sets are `small_test_set_note`'s."""
    size, utility = _test_size(payload), payload.get("utility")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        return None
    if not isinstance(utility, Mapping):
        return None
    accuracy, chance = utility.get("test_accuracy"), utility.get("chance_accuracy")
    if not _numbers(accuracy, chance) or not accuracy > chance:
        return None  # (at or below chance: not ranked at all)
    low, high = wilson_interval(float(accuracy), size, level=LEVEL)
    if low > chance:
        return None
    cause = release_near_chance_note(utility, _release_name(payload), size)
    return (
        f"its test accuracy {accuracy:.3f} is not established above chance {chance:.3f}: on "
        f"its {size} test records the 95% interval is [{low:.3f}, {high:.3f}]; the model may "
        "have learned nothing, and then its low leakage says nothing about privacy"
    ) + (f" ({cause})" if cause else "")


def release_near_chance_note(utility: Mapping[str, Any], release: Any, size: Any) -> str | None:
    """Why a run's released test accuracy is not established above chance when its models'
    own is (``utility.test_accuracy_before_release``, established on the same ``size`` test
    records): the release (breast_cancer, ``release=noise release.scale=1``: 0.671 against
    chance 0.601, the models' own 0.892) took the utility, not the training, though the run
    said "the model may have learned nothing ... train further". ``None`` otherwise (a
    release of ``full``, no such figure, the models' own not established either)."""
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        return None
    figures = _release_accuracies(utility, release)
    if figures is None:
        return None
    before, test, chance = figures
    if not 1 >= before > test > chance:
        return None
    if wilson_interval(float(test), size, level=LEVEL)[0] > chance:
        return None  # (established above chance: nothing to explain)
    if not wilson_interval(float(before), size, level=LEVEL)[0] > chance:
        return None
    return (
        f"the models' own test accuracy, before the release, is {before:.3f}, established "
        f"above chance: the release (release={one_line(release, limit=60)}), not the training, "
        "brought the released outputs near chance; a weaker release keeps more of it"
    )
