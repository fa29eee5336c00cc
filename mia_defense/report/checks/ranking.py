"""Whether a readable run deserves a place in the ranking (`rank_problem`): training did
not diverge, utility above chance, a finite leakage figure; and why not, in words."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np

from mia_defense.attacks.base import BLACK_BOX, DEFAULT_ACCESS
from mia_defense.attacks.runner import strongest
from mia_defense.errors import ConfigError
from mia_defense.metrics.roc import fpr_percent
from mia_defense.metrics.utility import BLOWN_UP_LEARNED_SHARE, dp_vouched
from mia_defense.report.checks._values import (
    _counts,
    _numbers,
    _show,
    one_line,
    recorded_tprs,
    strongest_attack,
)
from mia_defense.report.checks.doubt import edited
from mia_defense.report.checks.headline import writer_mark
from mia_defense.report.checks.privacy import epsilon_doubt
from mia_defense.report.checks.utility import _uniform_chance
from mia_defense.report.objectives import (
    DEFAULT_OBJECTIVE,
    blown_up_training,
    objective,
    stated_no_verdict,
)

__all__ = ["rank_problem", "release_below_chance_note"]


def _diverged_reason(payload: Mapping[str, Any]) -> str:
    detail = payload.get("diverged")
    reason = detail.get("reason") if isinstance(detail, Mapping) else None
    if not isinstance(reason, str) or not reason.strip():
        return "training diverged (no reason recorded); no privacy verdict"
    return f"training diverged: {one_line(reason)}; no privacy verdict"


def _chance_reason(
    utility: Mapping[str, Any],
    privacy: Any = None,
    *,
    uniform: float | None = None,
    release: Any = None,
) -> str:
    chance = utility.get("chance_accuracy")
    versus = "chance" if chance is None else f"chance ({float(chance):.3f}, the majority class)"
    if chance is None and uniform is not None:  # (a file without its chance_accuracy)
        classes = round(1 / uniform)
        versus = f"chance (at least 1/{classes} = {uniform:.3f}, one class of num_classes)"
        chance = uniform
    said = f"test accuracy {float(utility['test_accuracy']):.3f} is not above {versus}"
    median = utility.get("test_accuracy_median")  # the median model's (judged_accuracy)
    if (isinstance(median, int | float) and isinstance(chance, int | float)
            and float(utility["test_accuracy"]) > chance >= median):  # fmt: skip
        said = (f"the median model's test accuracy {float(median):.3f} is not above {versus} "
                "(most models learned nothing)")
    cause = release_below_chance_note(utility, release)
    if cause is None and _numbers(chance) and chance >= 1:  # (plan.test_size=1, say)
        cause = ("the test set holds a single class: no model can beat chance on it, whatever "
                 "it learned; rerun it with a larger plan.test_size")
    after = f" ({cause})" if cause else ""  # after the old words, which stay as they were
    if isinstance(privacy, Mapping) and privacy.get("leak_without_utility") is True:
        # a useless model that memorised its members: not on the front, but not a non-result
        return f"{said}, yet MEMBERSHIP LEAKS (privacy.leak_without_utility): not private{after}"
    return f"{said}; no privacy verdict for a useless model{after}"


def release_below_chance_note(utility: Mapping[str, Any], release: Any) -> str | None:
    """Why a run's released test accuracy is not above chance when its models' own is
    (``utility.test_accuracy_before_release``, mia-train's): the release (``release=noise
    release.scale=50``: 0.092 against chance 0.112, the models' own 0.784) destroyed the
    utility, not the training, though the run said "the model learned nothing". ``None``
    without the figure (mia-attack on observations, older runs), under ``release`` full (the
    outputs as they are) or where the models' own accuracy is not above chance either."""
    figures = _release_accuracies(utility, release)
    if figures is None:
        return None
    before, test, chance = figures
    if not 1 >= before > chance >= test:
        return None
    return (
        f"the models' own test accuracy, before the release, is {before:.3f}, above chance "
        f"{chance:.3f}: the release (release={one_line(release, limit=60)}) destroyed the "
        "utility, not the training"
    )


def _release_accuracies(utility: Any, release: Any) -> tuple[float, float, float] | None:
    """``(test_accuracy_before_release, test_accuracy, chance_accuracy)`` of a run whose
    release is not ``full`` (the released outputs differ from the models'), when all three
    are numbers; ``None`` else (no such figure: mia-attack on observations, older runs)."""
    if not isinstance(utility, Mapping) or not isinstance(release, str) or release == "full":
        return None
    figures = tuple(utility.get(k) for k in (
        "test_accuracy_before_release", "test_accuracy", "chance_accuracy"))  # fmt: skip
    if not _numbers(*figures):
        return None
    return figures  # type: ignore[return-value]


def _release_name(payload: Mapping[str, Any]) -> Any:
    """results.json's ``defense.release`` (the release's name), ``None`` without one."""
    defense = payload.get("defense")
    return defense.get("release") if isinstance(defense, Mapping) else None


def _no_test_reason(payload: Mapping[str, Any]) -> str:
    """Why a mia-attack run without a test set is not ranked: the front's utility axis is
    the test accuracy, which it has not."""
    said = "no test accuracy (attacked without a test set)"
    privacy = payload.get("privacy")
    if isinstance(privacy, Mapping) and privacy.get("leak_without_utility") is True:
        return (
            f"{said}; its members' accuracy is not above chance, yet MEMBERSHIP LEAKS "
            "(privacy.leak_without_utility): not private"
        )
    if payload.get("utility_below_chance", False):
        return f"{said}; its members' accuracy is not above chance: no privacy verdict"
    return (
        f"{said}: the report places runs by their test accuracy; attack observations that "
        "hold test outputs (test_log_probs, test_labels) to rank it"
    )


def _most_models_at_chance(payload: Mapping[str, Any]) -> str | None:
    """Why a run most of whose models its own results.json counts at chance
    (``utility.test_accuracy_models_at_chance`` above half of ``num_models``: the median
    model among them, which mia-train judges by) gets no verdict, or ``None``. Its
    chance_accuracy and num_classes deleted and its flag set to false, an at-chance run (3
    of its 4 models at chance) was ranked, alone on its front as the most private."""
    utility, models = payload["utility"], payload.get("num_models")
    count = utility.get("test_accuracy_models_at_chance")
    if not (_counts(count, models) and 2 * count > models):
        return None
    return (f"{count} of its {models} models' test accuracy is not above chance "
            "(utility.test_accuracy_models_at_chance), the median model's among them; no "
            "privacy verdict for a useless model")


def _no_verdict_reason(payload: Mapping[str, Any]) -> str | None:
    """Why the run itself says its attacks could not judge (``privacy.no_verdict_reason``:
    targets each trained on all or none of the records judged, whose finite figures compare
    models, not members), or ``None``. mia-attack of such observations printed 'no privacy
    verdict', yet the report ranked it, alone on its front, AUC 0.828."""
    reason = stated_no_verdict(payload)
    if reason is None:
        return None
    return f"no privacy verdict (privacy.no_verdict_reason): {one_line(reason, limit=800)}"


def _validity_fields(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields by which the report tells a run's models learned: its chance accuracy and
    median model's accuracy (a model at chance; the latter not where the mean alone tells)
    and, where its models' training is recorded
    (no ``source``: mia-train's; or a number of ``epochs_trained``) and could have blown up
    (`blown_up_training`: its accuracy less than `BLOWN_UP_LEARNED_SHARE` of the way from
    chance to 1, or chance unknown; not `dp_vouched`), their class count, loss and epochs.
    mia-train writes them all; mia-attack of observations, which hold no training, the
    first two."""
    utility = payload["utility"]
    accuracy, chance = utility["test_accuracy"], utility.get("chance_accuracy")
    fields: tuple[str, ...] = ("utility.chance_accuracy",)
    # at least half the models at or below chance, the rest at most 1, average at most
    # (1 + chance) / 2: a mean above it tells the median model above chance without it
    if not (_numbers(chance) and accuracy > (1 + chance) / 2):
        fields += ("utility.test_accuracy_median",)
    trained = payload.get("source") is None or utility.get("epochs_trained") is not None
    learned = _numbers(chance) and chance < 1 and (
        (accuracy - chance) / (1 - chance) >= BLOWN_UP_LEARNED_SHARE)  # fmt: skip
    vouched = dp_vouched(payload.get("privacy")) and epsilon_doubt(payload) is None
    if trained and not learned and not vouched:
        fields += ("num_classes", "utility.train_loss", "utility.epochs_trained")
    return fields


def _unjudged_reason(payload: Mapping[str, Any]) -> str | None:
    """Why a run whose results.json lacks a field by which its validity is judged
    (`_validity_fields`) gets no verdict, naming each such field, or ``None``. A run whose
    training blew up (train.lr=1e4: loss 3.7e5, 2 of its 4 models at chance), its
    ``privacy.no_verdict_reason``, flag and ``chance_accuracy`` or ``train_loss`` and median
    deleted (or a file of an older mia-train that wrote none of them), stood on the front as
    a private model."""
    said = []
    for name in _validity_fields(payload):
        section, _, key = name.rpartition(".")
        where = payload[section] if section else payload
        if key not in where:
            said.append(f"{name} is missing")
        elif not (_counts(where[key]) if name == "num_classes" else _numbers(where[key])):
            said.append(f"{name} is {one_line(repr(where[key]), limit=40)}")
    if not said:
        return None
    return (f"cannot tell it is a valid run: {', '.join(said)} in results.json (deleted, or "
            "written by an older mia-defense or a tool of your own), and by these the report "
            "tells a model at chance or a training that blew up; no privacy verdict for a run "
            "that may be either: rerun it")


# Scores for `_recorded_results`' stand-ins: none read, so none measured nothing (`tied_scores`
# of no scores is false).
_NO_SCORES = np.empty((0, 0))


def _recorded_results(attacks: Mapping[str, Any]) -> tuple[dict[str, Any], list[float]]:
    """Stand-ins for the black-box attacks' results (access, the TPRs at the FPRs every one
    of them records, AUC: what `mia_defense.attacks.runner.strongest` ranks by), read off
    results.json's ``attacks``, and those FPRs, lowest first; null is NaN."""
    black_box = {name: m for name, m in attacks.items()
                 if m.get("access", DEFAULT_ACCESS) in BLACK_BOX}  # fmt: skip
    tprs = {name: recorded_tprs(m) for name, m in black_box.items()}
    fprs = sorted(set.intersection(*(set(t) for t in tprs.values()))) if tprs else []
    results = {name: SimpleNamespace(
        access=m.get("access", DEFAULT_ACCESS), scores=_NO_SCORES, metrics=SimpleNamespace(
            tpr_at_fpr={f: _figure(tprs[name][f]) for f in fprs}, auc=_figure(m.get("auc"))))
        for name, m in black_box.items()}  # fmt: skip
    return results, fprs


def _figure(value: Any) -> float:
    return float(value) if _numbers(value) else math.nan


def _ranked_figures(result: Any, fprs: list[float]) -> tuple[float, ...]:
    """What `strongest` ranks ``result`` by: its TPR at each FPR, lowest first, then its AUC
    (NaN below every figure)."""
    figures = [*(result.metrics.tpr_at_fpr[f] for f in fprs), result.metrics.auc]
    return tuple(-1.0 if math.isnan(v) else v for v in figures)


def _figures_text(result: Any, fprs: list[float], upto: int) -> str:
    """``TPR@0.1%FPR 0.0437, AUC 0.720``: the TPRs at ``fprs[:upto + 1]`` and the AUC."""
    tprs = [f"TPR@{fpr_percent(f)}%FPR {_shown(result.metrics.tpr_at_fpr[f], 4)}"
            for f in fprs[: upto + 1]]  # fmt: skip
    return ", ".join([*tprs, f"AUC {_shown(result.metrics.auc, 3)}"])


def _shown(value: float, digits: int) -> str:
    return "null" if math.isnan(value) else f"{value:.{digits}f}"


def _strongest_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``strongest_attack`` is not the black-box attack the file's own figures make the
    strongest by the run's rule (`mia_defense.attacks.runner.strongest`, on `_recorded_results`),
    or ``None``: edited to an attack that leaks less (the headline's copies of its figures,
    which `_strongest_headline_problem` holds it to, edited alike or deleted), the run's row
    named it, and the caveats read its scores. Judged where that attack's TPR at the lowest
    FPR is above the named one's, or equal and above 0 with a higher AUC and a higher rank:
    there every rule the run can have been written by agrees (the AUC alone broke a tie
    until 7131d8e of 2026-12-07). Not judged at TPR 0: there the run's pick leaves out an
    attack that measured nothing (one score per target), which results.json does not
    record; nor in a file of a tool of your own (no `writer_mark`), which may name its
    strongest attack by a rule of its own."""
    name, named = strongest_attack(payload)
    if named is None or writer_mark(payload) is None:
        return None
    results, fprs = _recorded_results(payload["attacks"])
    if name not in results or not fprs:
        return None
    pick = strongest(results, fprs[0])
    own, best = _ranked_figures(results[name], fprs), _ranked_figures(results[pick], fprs)
    if best <= own or best[0] <= 0 or (best[0] == own[0] and best[-1] <= own[-1]):
        return None
    upto = next(i for i, (a, b) in enumerate(zip(best, own, strict=True)) if a != b)
    return edited(
        f"strongest_attack is {_show(name)} ({_figures_text(results[name], fprs, upto)}), but "
        f"by the file's own figures the strongest black-box attack is {_show(pick)} "
        f"({_figures_text(results[pick], fprs, upto)}), as the run picks it (the highest TPR at "
        "the lowest FPR, then at each higher FPR, then the AUC), and the report reads the "
        "strongest attack's scores and names it; no place in the ranking"
    )


def _rerun_hint(metric: str) -> str:
    """What to do about a missing attack metric: for ``tpr@X%fpr``, add X/100 to attack.fprs."""
    match = re.fullmatch(r"tpr@([0-9.]+)%fpr", metric)
    if match is None:
        return "rerun it with this mia-defense"
    return f"rerun it with {float(match.group(1)) / 100:.15g} in attack.fprs"


def rank_problem(payload: Mapping[str, Any], *, leakage: str = DEFAULT_OBJECTIVE) -> str | None:
    """Why a readable run (see `payload_problem`) must not be ranked, or ``None``.

    A diverged run, a run flagged ``utility_below_chance`` or whose test accuracy is not above
    its ``chance_accuracy`` (a file whose flag says otherwise; without one, not above
    1/``num_classes``), a run without any of the three (nothing tells its accuracy above
    chance), a run whose results.json gives a ``privacy.no_verdict_reason``, a run that lacks a
    field these are judged by (`_validity_fields`) and a run without
    a finite ``leakage`` figure get no place in the ranking nor on the Pareto front.
    """
    if payload.get("status") == "diverged":
        return _diverged_reason(payload)
    utility = payload["utility"]
    if utility["test_accuracy"] is None:  # (only an observations run's, `payload_problem`)
        return _no_test_reason(payload)
    chance = utility.get("chance_accuracy")
    at_chance = chance is not None and utility["test_accuracy"] <= chance  # whatever the flag
    # without chance_accuracy (dropped from the file, or null), 1/num_classes: a model at or
    # below it learned nothing, and was ranked, its attacks at chance reading as private
    uniform = _uniform_chance(payload) if chance is None else None
    at_chance = at_chance or (uniform is not None and utility["test_accuracy"] <= uniform)
    # the median model's (mia-train's judged_accuracy, which sets the flag): most models at
    # chance, the flag edited to false, ranked the few that learned
    median = utility.get("test_accuracy_median")
    floor = chance if chance is not None else uniform
    at_chance = at_chance or (_numbers(median, floor) and median <= floor)
    if payload.get("utility_below_chance", False) or at_chance:
        return _chance_reason(utility, payload.get("privacy"), uniform=uniform,
                              release=_release_name(payload))  # fmt: skip
    most = _most_models_at_chance(payload)
    if most is not None:
        return most
    verdict = _no_verdict_reason(payload)
    if verdict is not None:
        return verdict
    # (runs written before mia-train said so; an ε the run's config cannot vouch for, as
    # a defense of the user's own reported it, vouches for no training)
    blown = blown_up_training(payload if epsilon_doubt(payload) is None
                              else {**payload, "privacy": {}})  # fmt: skip
    if blown is not None:
        return f"no privacy verdict: {one_line(blown, limit=800)}"
    if chance is None and uniform is None and "utility_below_chance" not in payload:
        # (all three deleted: a model at chance was ranked, its attacks at chance read as
        # private; mia-train and mia-attack write each of them)
        return (f"test accuracy {float(utility['test_accuracy']):.3f} cannot be told above "
                "chance: results.json has no utility.chance_accuracy, num_classes or "
                "utility_below_chance (deleted, or written by a tool of your own); no privacy "
                "verdict for a model that may have learned nothing: rerun it")
    unjudged = _unjudged_reason(payload)
    if unjudged is not None:
        return unjudged
    renamed = _strongest_problem(payload)
    if renamed is not None:
        return renamed
    try:
        value = objective(payload, leakage)
    except ConfigError:
        metric = leakage.partition(".")[2]
        white_box = sorted(
            name for name, m in payload["attacks"].items()
            if metric in m and m.get("access", DEFAULT_ACCESS) not in BLACK_BOX
        )  # fmt: skip
        if white_box:  # the figure is there, but no release lets the weights out
            return (
                f"no black-box attack reports {metric}: only white-box attacks (access "
                f"weights: {one_line(', '.join(white_box))}), which no release lets through; "
                "rerun it with a black-box attack (one that reads the released outputs)"
            )
        return (
            f"no attack reports {metric} (attacks: {one_line(', '.join(payload['attacks']))}); "
            f"{_rerun_hint(metric)}"
        )
    if math.isnan(value):
        return f"every attack's {leakage.partition('.')[2]} is null (NaN); rerun it"
    return None
