"""What a report may trust in a run's results.json: its version, its types, and whether the
run deserves a place in the ranking (training did not diverge, utility above chance, a
finite leakage figure)."""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections.abc import Mapping
from typing import Any

from mia_defense.attacks.base import ACCESS, BLACK_BOX, DEFAULT_ACCESS, access_of
from mia_defense.errors import ConfigError
from mia_defense.metrics.roc import unresolved_fprs
from mia_defense.report.objectives import DEFAULT_OBJECTIVE, objective
from mia_defense.report.stats import LEVEL, wilson_interval
from mia_defense.tracking import SCHEMA_VERSION, schema_problem

__all__ = [
    "PrintableLog",
    "caveats",
    "defense_problem",
    "dp_claim_problem",
    "edited_problem",
    "epsilon_doubt",
    "one_line",
    "other_confidence",
    "payload_problem",
    "rank_problem",
    "resolution_note",
]

# Sections a complete run must have, each a JSON object.
_REQUIRED = ("utility", "attacks", "defense")
# Optional sections that, when present, must be JSON objects.
_OPTIONAL = ("privacy", "hparams", "config")
# Utility figures the report reads; accuracies are fractions.
_UTILITY = ("test_accuracy", "train_accuracy", "generalization_gap")
_CONTROL = re.compile(r"\s+")
# Counts (models, scores) above this are no real run's, and lose their value as floats.
_MAX_COUNT = 2**53


def one_line(text: Any, *, limit: int = 200) -> str:
    """``text`` on one line (whitespace and control characters collapsed), at most ``limit``
    characters: reasons and values copied from a file end up in one-line messages."""
    flat = _CONTROL.sub(" ", "".join(c if c.isprintable() else " " for c in str(text))).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class PrintableLog(logging.Filter):
    """A log filter making each message one printable line: warnings quote run folders
    and reasons read from files, and a folder named ``x\\nWARNING ...`` or holding a
    terminal's escape codes would forge a log line or clear the screen."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        printable = "".join(c if c.isprintable() else " " for c in message)
        if printable != message:
            record.msg, record.args = printable, ()
        return True


def _show(value: Any) -> str:
    return one_line(repr(value), limit=60)


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number"}  # fmt: skip
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _bounded(key: str) -> bool:
    """Whether a metric is a fraction: accuracies, AUC, TPRs and their confidence bounds."""
    return key.endswith("accuracy") or key.startswith(("auc", "tpr@"))


def _number_problem(
    where: str, value: Any, *, fraction: bool = False, nullable: bool = True
) -> str | None:
    """Why ``value`` is not a usable figure: a finite number (in [0, 1] for a ``fraction``),
    or null where ``nullable``."""
    if value is None:
        return None if nullable else f"{where} is null (NaN when written)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{where} is {_type_name(value)} {_show(value)}, not a number"
    try:
        number = float(value)
    except OverflowError:
        return f"{where} is an integer of {len(str(abs(value)))} digits, too large for a float"
    if not math.isfinite(number):
        return f"{where} is {number}, not a finite number (strict JSON has no NaN or Infinity)"
    if fraction and not 0.0 <= number <= 1.0:
        return f"{where} is {number:g}, outside [0, 1]"
    return None


def _sections_problem(payload: Mapping[str, Any]) -> str | None:
    for key in _REQUIRED:
        if key not in payload:
            return f"no {key} section (written by an incompatible version?)"
    for key in (*_REQUIRED, *_OPTIONAL):
        if key in payload and not isinstance(payload[key], Mapping):
            return f"{key} is {_type_name(payload[key])}, not an object"
    return None


def _numbers(*values: Any) -> bool:
    """Whether every one of ``values`` is a finite number (not a boolean, not null)."""
    return all(_number_problem("", v, nullable=False) is None for v in values)


def _same_copy(value: Any, copy: Any) -> bool:
    """Whether a figure equals its ``headline`` copy: the same value, or the same number up
    to float rounding."""
    return value == copy or (
        _numbers(value, copy) and math.isclose(value, copy, rel_tol=1e-9, abs_tol=1e-12))


_BUILT_IN = "mia_defense.attacks."


def _built_in_access(config: Any, name: str) -> tuple[str, str] | None:
    """The ``_target_`` of ``config.attack.attacks.<name>`` and the access its attack
    declares, when that is one of mia-defense's own attacks (a function of
    `mia_defense.attacks`, looked up there, never imported by name); ``None`` for a user's
    attack or a config that does not say."""
    import mia_defense.attacks as built_in

    attack = config.get("attack") if isinstance(config, Mapping) else None
    attacks = attack.get("attacks") if isinstance(attack, Mapping) else None
    entry = attacks.get(name) if isinstance(attacks, Mapping) else None
    target = entry.get("_target_") if isinstance(entry, Mapping) else None
    if not isinstance(target, str) or not target.startswith(_BUILT_IN):
        return None
    function = target.rpartition(".")[2]
    found = getattr(built_in, function, None) if function in built_in.__all__ else None
    if getattr(found, "access", None) not in ACCESS:  # (an attack declares it)
        return None
    return target, access_of(found)


_TPR_KEY = re.compile(r"tpr@([0-9]+(?:\.[0-9]+)?)%fpr")  # (not "1.2.3": no number)


def _roc_problem(name: str, metrics: Mapping[str, Any]) -> str | None:
    """How an attack's figures contradict the one ROC curve they are read off, or ``None``:
    a TPR at a lower FPR above one at a higher FPR (the curve never falls), or an AUC below
    what a TPR t at FPR f leaves under the curve, t (1 - f). A figure edited by hand (an AUC
    lowered, a TPR raised) breaks them; every run's figures keep them."""
    tprs = sorted(
        (float(match.group(1)) / 100, key, value) for key, value in metrics.items()
        if (match := _TPR_KEY.fullmatch(key)) and _numbers(value)
    )  # fmt: skip
    for (_, low_key, low), (_, high_key, high) in itertools.pairwise(tprs):
        if low > high + 1e-9:
            return (f"attacks.{name}.{low_key} {low:g} is above its {high_key} {high:g} (a ROC "
                    "curve never falls): a figure was changed after the run; rerun it")
    auc = metrics.get("auc")
    for fpr, key, tpr in tprs:
        if _numbers(auc) and auc < tpr * (1 - fpr) - 1e-9:
            return (f"attacks.{name}.auc {auc:g} is below {tpr * (1 - fpr):.4g}, the area its "
                    f"{key} {tpr:g} leaves under the ROC curve: a figure was changed after "
                    "the run; rerun it")
    return None


def _attacks_problem(
    attacks: Mapping[str, Any], strongest: Any, config: Any = None
) -> str | None:
    if not attacks:
        return "no attack results"
    for name, metrics in attacks.items():
        if not isinstance(metrics, Mapping):
            return f"attacks.{name} is {_type_name(metrics)}, not an object of metrics"
        for key, value in metrics.items():
            if key == "access":
                if value not in ACCESS:
                    return f"attacks.{name}.access is {_show(value)}, not one of {ACCESS}"
                declared = _built_in_access(config, name)
                if declared is not None and declared[1] != value:
                    # a black-box attack marked white-box left the verdict (the leakage is
                    # the black-box attacks' strongest): its figure was hidden
                    return (
                        f"attacks.{name}.access is {_show(value)}, but its attack "
                        f"({one_line(declared[0], limit=80)}, config.attack.attacks.{name}) "
                        f"declares {declared[1]!r}: the file was edited; rerun the run"
                    )
                continue
            problem = _number_problem(f"attacks.{name}.{key}", value, fraction=_bounded(key))
            if problem:
                return problem
            high = metrics.get(key.removesuffix("_ci_low") + "_ci_high")
            if key.endswith("_ci_low") and _numbers(value, high) and value > high:
                return f"attacks.{name}.{key} {value:g} is above its _ci_high {high:g}"
        problem = _roc_problem(name, metrics)
        if problem:
            return problem
    if strongest is not None and (not isinstance(strongest, str) or strongest not in attacks):
        return (
            f"strongest_attack {_show(strongest)} is not one of its attacks "
            f"({one_line(', '.join(attacks))})"
        )
    access = attacks[strongest].get("access", DEFAULT_ACCESS) if strongest is not None else None
    black_box = any(m.get("access", DEFAULT_ACCESS) in BLACK_BOX for m in attacks.values())
    if access is not None and access not in BLACK_BOX and black_box:
        # (the strongest is picked among the black-box attacks: marked white-box after the
        # run, with its config's _target_, it left the verdict, the run's TPR then another's;
        # a run without any black-box attack is not ranked, `rank_problem`)
        return (
            f"strongest_attack {_show(strongest)} has access {_show(access)}, but the run "
            "picked it among its black-box attacks (access label or outputs): the file was "
            "edited; rerun the run"
        )
    return None


def _without_test_set(payload: Mapping[str, Any]) -> bool:
    """Whether the run is mia-attack's on observations that may lack test outputs: then its
    ``utility.test_accuracy`` is null, a fact, not a NaN (mia-train always has a test set).
    That is a file's (``source.kind`` observations) or, attacked again from that run's
    folder (``run_directory``), one that records ``test_size`` 0: the same observations
    were "not ranked" from the file and "skipped" as a broken figure from its run folder."""
    source = payload.get("source")
    kind = source.get("kind") if isinstance(source, Mapping) else None
    return kind == "observations" or (kind == "run_directory" and payload.get("test_size") == 0)


def _utility_problem(payload: Mapping[str, Any]) -> str | None:
    utility = payload["utility"]
    if "test_accuracy" not in utility:
        return "no utility.test_accuracy"
    for key in _UTILITY:
        if key in utility:
            nullable = key != _UTILITY[0] or _without_test_set(payload)
            problem = _number_problem(
                f"utility.{key}", utility[key], fraction=_bounded(key), nullable=nullable
            )
            if problem:
                return problem
    test, train, gap = (utility.get(k) for k in _UTILITY)
    if _numbers(test, train, gap) and abs(gap - (train - test)) > 1e-6:
        # (every run writes it so: a test accuracy raised by hand moved the run up the front)
        return (f"utility.generalization_gap is {gap:g}, but train_accuracy - test_accuracy is "
                f"{train:g} - {test:g}: a figure was changed after the run; rerun it")
    std = utility.get("test_accuracy_std")
    problem = _number_problem("utility.test_accuracy_std", std)
    if problem or (std is not None and std < 0):
        return problem or f"utility.test_accuracy_std is {std:g}, negative"
    problem = _spread_problem(payload)
    if problem:
        return problem
    flag = payload.get("utility_below_chance", False)
    if not isinstance(flag, bool):
        return f"utility_below_chance is {_type_name(flag)} {_show(flag)}, not true or false"
    chance = utility.get("chance_accuracy")
    problem = _number_problem("utility.chance_accuracy", chance, fraction=True)
    uniform = _uniform_chance(payload)
    if problem is None and chance is not None and uniform is not None and chance < uniform - 1e-9:
        # (the majority class of any test set scores at least 1/C: a chance lowered by hand
        # put a model that learned nothing above it, ranked with a verdict)
        return (f"utility.chance_accuracy is {chance:g}, below 1/num_classes = {uniform:.4g}, "
                "the least the majority class of any test set scores: a figure was changed "
                "after the run; rerun it")
    return problem or _chance_share_problem(payload)


def _chance_share_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``utility.chance_accuracy``, the majority class's share of the ``test_size`` test
    records, is no such share (``test_size`` x it not a whole number), or ``None``: lowered
    by hand (0.112 to 0.05, num_classes deleted) a model that learned nothing was ranked
    above it."""
    size, chance = _test_size(payload), payload["utility"].get("chance_accuracy")
    if not _counts(size) or not size or not _numbers(chance) or _without_test_set(payload):
        return None
    if _whole(size * chance) is not False:
        return None
    return (f"utility.chance_accuracy is {chance!r}, which is no share of its {size} test "
            f"records (test_size x chance_accuracy = {size * chance:.6f}, not a whole "
            "number): a figure was changed after the run; rerun it")


# Beyond this a whole number and its float neighbours are not told apart reliably.
_WHOLE_LIMIT = 1e9


def _whole(value: float) -> bool | None:
    """Whether ``value`` is a whole number up to float error; ``None`` when too large to
    tell."""
    if abs(value) > _WHOLE_LIMIT:
        return None
    return abs(value - round(value)) <= 1e-6 + 1e-9 * abs(value)


def _spread_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``utility.test_accuracy`` and its ``test_accuracy_std`` contradict what they are
    computed from, or ``None``: each of the ``num_models`` K models is right on a whole
    number h_k of the ``test_size`` n test records, so K n x mean (the hits summed) and
    K² n² x std² (K Σh² - (Σh)², std over the models with ddof 0) are whole numbers, the
    latter plus (Σh)² a multiple of K, and no
    K accuracies have a std below the distance of their mean to their median (a median,
    2n x median a whole number, the mean's for K = 2, decides the flag). A std
    narrowed by hand (the report's interval over the K models rests on it: no headline
    copy holds it) breaks them; every run's figures keep them."""
    utility = payload["utility"]
    models, size = payload.get("num_models"), _test_size(payload)
    mean, std = utility.get("test_accuracy"), utility.get("test_accuracy_std")
    if not _counts(models, size) or not models or not size or not _numbers(mean):
        return None
    what = f"the hits of its {models} models on its {size} test records"
    if _whole(models * size * mean) is False:
        return (f"utility.test_accuracy is {mean!r}, which is no mean of {what} "
                f"(num_models x test_size x test_accuracy = {models * size * mean:.6f}, not a "
                "whole number): a figure was changed after the run; rerun it")
    if not _numbers(std):
        return None
    spread, hits = (models * size * std) ** 2, round(models * size * mean)
    if _whole(spread) is False or (_whole(spread) and (round(spread) + hits**2) % models):
        return (f"utility.test_accuracy_std is {std!r}, which {what} cannot give ((num_models x "
                f"test_size x test_accuracy_std)² = {spread:.6f}, not K Σh² - (Σh)² of whole "
                "hits h): a figure was changed after the run; rerun it")
    median = utility.get("test_accuracy_median")
    if _numbers(median) and (_whole(2 * size * median) is False or (
            models == 2 and abs(median - mean) > 1e-9)):  # fmt: skip
        # (the median of K hits over n: a hit count, or halfway between two; of 2: the mean)
        return (f"utility.test_accuracy_median is {median!r}, which is no median of {what}: "
                "a figure was changed after the run; rerun it")
    if _numbers(median) and abs(mean - median) > std + 1e-9:
        return (f"utility.test_accuracy_std is {std:g}, below |test_accuracy - "
                f"test_accuracy_median| = {abs(mean - median):g}, which no accuracies allow "
                "(their std is at least their mean's distance to their median): a figure was "
                "changed after the run; rerun it")
    return None


def _identity_problem(payload: Mapping[str, Any]) -> str | None:
    """The run's dataset name, seed and model count, which group and label its row, and the
    count of non-member scores its TPRs rest on."""
    dataset = payload.get("dataset")
    if dataset is not None and not isinstance(dataset, str):
        return f"dataset is {_type_name(dataset)} {_show(dataset)}, not a name"
    # (test_size: the count of test records a Wilson interval rests on, an OverflowError
    # traceback at hundreds of digits)
    counts = (("seed", 0), ("num_models", 1), ("nonmember_scores", 0), ("test_size", 0),
              ("num_classes", 1))  # (num_classes: 1/num_classes, the chance floor)
    for key, low in counts:
        value = payload.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            return f"{key} is {_type_name(value)} {_show(value)}, not an integer >= {low}"
        if key != "seed" and value >= _MAX_COUNT:  # counts enter float arithmetic
            return f"{key} is an integer of {len(str(value))} digits, too large for a count"
    return _plan_problem(payload) or _test_size_problem(payload) or _count_problem(payload)


def _plan_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``num_models`` contradicts the run's ``config.plan.num_models``, which trained
    them, or ``None``: a K raised by hand narrowed the test accuracy's interval (Student's t
    over the K models) and named another yardstick than the run's."""
    config = payload.get("config")
    plan = config.get("plan") if isinstance(config, Mapping) else None
    planned = plan.get("num_models") if isinstance(plan, Mapping) else None
    count = payload.get("num_models")
    if isinstance(planned, bool) or not isinstance(planned, int) or count is None:
        return None
    if count != planned:
        return (f"num_models is {count}, but config.plan.num_models, which trained them, is "
                f"{planned}: the file was edited; rerun the run")
    return None


def _planned_test_size(payload: Mapping[str, Any]) -> int | None:
    """``config.plan.test_size`` when it is a count (null: what the data left)."""
    config = payload.get("config")
    plan = config.get("plan") if isinstance(config, Mapping) else None
    planned = plan.get("test_size") if isinstance(plan, Mapping) else None
    return planned if _counts(planned) else None


def _test_size(payload: Mapping[str, Any]) -> Any:
    """The test records the run's accuracy rests on: ``test_size``, or, deleted,
    ``config.plan.test_size``, which drew them (the caveats on a small test set went with
    the field)."""
    size = payload.get("test_size")
    return _planned_test_size(payload) if size is None else size


def _test_size_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``test_size`` contradicts ``config.plan.test_size``, which drew exactly that many
    test records, or ``None``: a count raised by hand (5 to 500) hid the caveat on an
    accuracy measured on a handful of records."""
    size, planned = payload.get("test_size"), _planned_test_size(payload)
    if planned is None or size is None or size == planned:
        return None
    return (f"test_size is {_show(size)}, but config.plan.test_size, which drew the test set, "
            f"is {planned}: the file was edited; rerun the run")


def _count_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``nonmember_scores``, the count the TPRs rest on, contradicts the run: more than
    its models' scores of every record (``num_models`` x ``population_size``), or none
    beside TPR figures (no non-member: no TPR). Either way the caveat on a TPR below the
    resolution of its scores (`resolution_note`) was not given."""
    count, models, records = (payload.get(k) for k in ("nonmember_scores", "num_models",
                                                       "population_size"))  # fmt: skip
    if not isinstance(count, int) or isinstance(count, bool):
        return None
    if (isinstance(models, int) and isinstance(records, int) and not isinstance(records, bool)
            and count > models * records):  # fmt: skip
        return (f"nonmember_scores is {count}, more than its {models} models' scores of its "
                f"{records} records (num_models x population_size): the file was edited; "
                "rerun the run")
    sliced = _sliced_count(payload)
    if sliced is not None and count != sliced:  # (an inflated count within K x N)
        return (f"nonmember_scores is {count}, but the class slices of its strongest attack "
                f"(slices.{one_line(payload['strongest_attack'], limit=40)}.class_*."
                f"nonmember_scores) sum to {sliced}: the file was edited; rerun the run")
    attacks = payload.get("attacks")
    if count == 0 and isinstance(attacks, Mapping):
        for name, metrics in attacks.items():
            tprs = [k for k, v in metrics.items() if k.startswith("tpr@") and v is not None] if (
                isinstance(metrics, Mapping)) else []  # fmt: skip
            if tprs:
                return (f"nonmember_scores is 0, yet attacks.{name}.{tprs[0]} is a figure (a TPR "
                        "needs non-member scores): the file was edited; rerun the run")
    return None


def _privacy_problem(payload: Mapping[str, Any]) -> str | None:
    for flag in ("epsilon_refuted", "epsilon_valid"):  # a string "false" reads as true
        value = payload.get("privacy", {}).get(flag, False)
        if not isinstance(value, bool):
            return f"privacy.{flag} is {_type_name(value)} {_show(value)}, not true or false"
    epsilon = payload.get("privacy", {}).get("epsilon")
    if isinstance(epsilon, float) and epsilon == math.inf:
        return None  # no noise: an infinite ε (a JSON number too large for a float)
    problem = _number_problem("privacy.epsilon", epsilon)
    if problem is None and epsilon is not None and epsilon < 0:
        return f"privacy.epsilon is {epsilon:g}, negative (no ε is)"
    if problem is None:
        config = payload.get("config")
        problem = dp_claim_problem(
            payload.get("privacy", {}), num_models=payload.get("num_models"),
            defenses=config.get("defense") if isinstance(config, Mapping) else None,
        )  # fmt: skip
        if problem is not None:
            return f"{problem}; not a DP claim mia-defense wrote (edited?): rerun the run"
    return problem


# The name each of mia-defense's own defenses and releases records (``defense.defense``,
# ``defense.release``), by its class in `mia_defense.defenses` (looked up by name: the report
# imports no torch; tests/report/test_h81_hostile_defense.py checks it against the classes).
BUILT_IN_DEFENSES = {
    "AdversarialRegularization": "advreg", "Distillation": "distillation", "DPSGD": "dp",
    "Dropout": "dropout", "EarlyStopping": "early_stopping", "LabelSmoothing": "label_smoothing",
    "Mixup": "mixup", "RelaxLoss": "relaxloss", "WeightDecay": "weight_decay",
}  # fmt: skip
BUILT_IN_RELEASES = {
    "FullRelease": "full", "LabelOnlyRelease": "label_only", "NoiseRelease": "noise",
    "RoundingRelease": "rounding", "TemperatureRelease": "temperature", "TopKRelease": "topk",
}  # fmt: skip


def _built_in_name(node: Any, names: Mapping[str, str]) -> str | None:
    """The name a config node's built-in ``_target_`` (``mia_defense.defenses.DPSGD`` or
    ``mia_defense.defenses.dp.DPSGD``) records, or ``None`` for a user's class."""
    target = node.get("_target_") if isinstance(node, Mapping) else None
    if not isinstance(target, str) or not target.startswith("mia_defense.defenses."):
        return None
    return names.get(target.rpartition(".")[2])


def defense_problem(payload: Mapping[str, Any]) -> str | None:
    """How results.json's ``defense.defense`` and ``defense.release`` (the names a report
    groups and labels a run by) contradict the run's ``config``, which trained the models,
    or ``None``: an undefended run renamed ``dp`` by hand passed for a defended one. Checked
    where the config says: no defense in ``config.defense`` is ``none``; defenses and a
    release that are all mia-defense's own record their own names (a user's may record
    any name)."""
    defense, config = payload.get("defense"), payload.get("config")
    if not isinstance(defense, Mapping) or not isinstance(config, Mapping):
        return None
    name, nodes = defense.get("defense", "none"), config.get("defense", _MISSING)
    if isinstance(nodes, Mapping) or nodes is None:
        nodes = nodes or {}
        expected = [_built_in_name(node, BUILT_IN_DEFENSES) for node in nodes.values()]
        said = name.split("+") if isinstance(name, str) else None
        if not nodes and name != "none":
            return (f"defense.defense is {_show(name)}, but config.defense, which trained the "
                    "models, is empty (no defense): the file was edited; rerun the run")
        if nodes and None not in expected and sorted(expected) != sorted(said or []):
            return (f"defense.defense is {_show(name)}, but config.defense, which trained the "
                    f"models, holds {_show('+'.join(expected))}: the file was edited; rerun "
                    "the run")
    if "release" not in config:
        return None
    recorded = defense.get("release", "full")
    release = config["release"]
    expected_release = "full" if release is None else _built_in_name(release, BUILT_IN_RELEASES)
    if expected_release is not None and recorded != expected_release:
        return (f"defense.release is {_show(recorded)}, but config.release, which released the "
                f"outputs, is {expected_release!r}: the file was edited; rerun the run")
    return None


def _tolerance(value: float) -> float:
    return 1e-9 * abs(value) + 1e-12


def dp_claim_problem(
    privacy: Mapping[str, Any], *, num_models: Any = None, defenses: Any = None
) -> str | None:
    """How a DP claim (a finite ``privacy.epsilon``) contradicts its own fields, or ``None``.

    Each rule holds for every ``privacy`` block mia-defense writes (`mia_defense.defenses.
    accounting.privacy_report`, `mia_defense.pipeline.claim.check_claim`): ``epsilon`` is the
    largest of ``per_model``'s (one per model) and ``delta`` their largest δ, in (0, 1); a
    run trained without any defense (``defenses``: its ``config.defense``) claims none; a
    noise multiplier of 0 spends an infinite ε; ``epsilon_invalid_reason`` comes only with
    ``epsilon_valid`` false, the refutation's reason only with ``epsilon_refuted`` true. A
    file that breaks one was edited (an ε lowered by hand, a reason dropped), and its ε was
    shown as a guarantee.
    """
    epsilon = privacy.get("epsilon")
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
        return None  # no claim (null: no noise, an infinite ε)
    epsilon = float(epsilon)
    if not math.isfinite(epsilon):
        return None
    if isinstance(defenses, Mapping) and not defenses:  # (None: a config that does not say)
        return (f"privacy.epsilon is {epsilon:g}, but the run trained without any defense "
                "(config.defense is empty): no DP-SGD spent an ε")
    delta = privacy.get("delta")
    if delta is not None and (_number_problem("", delta) is not None or not 0 < delta < 1):
        return f"privacy.delta is {_type_name(delta)} {_show(delta)}, not a number in (0, 1)"
    valid, refuted = privacy.get("epsilon_valid"), privacy.get("epsilon_refuted")
    if valid is not False and privacy.get("epsilon_invalid_reason"):
        reason = one_line(privacy["epsilon_invalid_reason"], limit=120)
        return ("privacy.epsilon_valid is not false, yet privacy.epsilon_invalid_reason says "
                f"why the ε is no guarantee ({reason})")
    for key in ("epsilon_refuted_reason", "epsilon_refuted_by"):
        if refuted is not True and privacy.get(key):
            return (f"privacy.epsilon_refuted is not true, yet privacy.{key} says a measured "
                    f"bound refutes it ({one_line(privacy[key], limit=120)})")
    noise = privacy.get("noise_multiplier")
    if _numbers(noise) and noise <= 0 and epsilon > 0:
        return (f"privacy.epsilon is {epsilon:g} with privacy.noise_multiplier {noise:g}: "
                "DP-SGD without noise spends an infinite ε")
    models = privacy.get("per_model")
    if models is None:
        models = []
    elif not isinstance(models, list) or not all(isinstance(m, Mapping) for m in models):
        return f"privacy.per_model is {_type_name(models)}, not a list of objects (one per model)"
    count = len(models)
    if models and isinstance(num_models, int) and count != num_models:
        return (f"privacy.per_model lists {count} models, num_models is {num_models}: the run's ε "
                "is the largest of its models'")
    for k, model in enumerate(models):
        own = model.get("epsilon", 0.0)
        if own is None or (_numbers(own) and own > epsilon + _tolerance(epsilon)):
            shown = "null (no ε known)" if own is None else f"{own:g}"
            return (f"privacy.per_model[{k}].epsilon is {shown}, above privacy.epsilon "
                    f"{epsilon:g}, which is the largest model's ε")
        own_delta = model.get("delta")
        if _numbers(own_delta, delta) and own_delta > delta + _tolerance(delta):
            return (f"privacy.per_model[{k}].delta is {own_delta:g}, above privacy.delta "
                    f"{delta:g}, which is the largest model's δ")
        sigma, steps = model.get("noise_multiplier"), model.get("steps")
        if _numbers(sigma, steps) and sigma <= 0 and steps > 0 and _numbers(own) and own >= 0:
            return (f"privacy.per_model[{k}] took {steps:g} steps with noise_multiplier "
                    f"{sigma:g} and records a finite ε: DP-SGD without noise spends an infinite ε")
    return None


_PARTIAL = "failed or partial run"
# What a run's folder says it is doing, and what to do (a sweep reported while it runs).
_STATUS_ADVICE = {
    "running": "still running, or killed: report it again once it ends, or run its command "
    "again to resume it",
    "interrupted": "interrupted: run its command again with the same directory to resume it",
    "failed": "failed with an error, not ranked: fix its cause, then run its command again "
    "with the same directory to resume it",
}


def payload_problem(payload: Mapping[str, Any]) -> str | None:
    """Why the report cannot read a parsed results.json, or ``None`` when it can.

    Checked: ``status`` is ``complete`` (or ``diverged``, which `rank_problem` then names);
    ``schema_version`` is this mia-defense's `SCHEMA_VERSION`; a complete run has
    ``utility``, ``attacks`` and ``defense`` objects, every figure the report reads is a finite
    number (null where JSON stores a NaN) and every fraction lies in [0, 1]. The text says
    what is wrong and what to do, without the file's path.
    """
    status = payload.get("status")
    if status not in ("complete", "diverged"):
        # (a status that is a list or an object is no key of the advice: unhashable)
        advice = _STATUS_ADVICE.get(status, _PARTIAL) if isinstance(status, str) else _PARTIAL
        return f"status is {_show(status)}, not 'complete' ({advice}){_failure(payload)}"
    version = payload.get("schema_version")
    if "schema_version" not in payload:
        return "no schema_version (written by an older or foreign tool); rerun it"
    if schema_problem(payload):  # the exact integer: not 1.0, True or "1"
        return (
            f"schema_version is {_show(version)}, this mia-defense reads {SCHEMA_VERSION}; "
            "report it with the version that wrote it, or rerun it"
        )
    if status == "diverged":
        return None
    for check in (_sections_problem, _identity_problem, _utility_problem, _privacy_problem,
                  defense_problem):
        problem = check(payload)
        if problem:
            return problem
    return _attacks_problem(
        payload["attacks"], payload.get("strongest_attack"), payload.get("config")
    ) or _headline_problem(payload)


def edited_problem(payload: Mapping[str, Any]) -> str | None:
    """How a run's ``test_size``, test accuracy and its std, or headline contradict what
    they are drawn or copied from (`payload_problem`'s checks of a file edited after the
    run), or ``None``; for mia-attack, which re-attacked such a run before mia-report
    skipped its record. ``utility`` and ``attacks`` not objects: none of these apply."""
    if not isinstance(payload.get("utility"), Mapping):
        return None
    return _test_size_problem(payload) or _spread_problem(payload) or (
        _headline_problem(payload) if isinstance(payload.get("attacks"), Mapping) else None)


def _failure(payload: Mapping[str, Any]) -> str:
    """``": Type: message"`` from a failed run's ``failed`` entry (mia-train's record of the
    error that stopped it), or ``""``."""
    failed = payload.get("failed")
    if payload.get("status") != "failed" or not isinstance(failed, Mapping):
        return ""
    error, message = failed.get("error"), failed.get("message")
    if not isinstance(error, str) or not isinstance(message, str):
        return ""
    return f": {' '.join(error.split())[:80]}: {' '.join(message.split())[:300]}"


_MISSING = object()


def _headline_problem(payload: Mapping[str, Any]) -> str | None:
    """How a figure differs from its copy in ``headline`` (the scalars mia-train and
    mia-attack write beside them, from the same numbers: ``utility/test_accuracy``,
    ``attack/loss/tpr@0.1%fpr``, ``privacy/epsilon_refuted``...), or ``None``: a figure
    changed or deleted by hand (every attack's TPR at 0.1% FPR lowered to 0, ROC-consistent,
    put the run first on the front as the least leaky) while its copy still held the run's
    own. Files without a headline (a tool of your own) are not checked, unless they say they
    are mia-defense's (`_writer_mark`), whose every version wrote one."""
    headline = payload.get("headline")
    if not isinstance(headline, Mapping):
        return _headline_missing(payload)
    for key, copy in headline.items():
        parts = key.split("/") if isinstance(key, str) else []
        if len(parts) == 2 and parts[0] == "utility":
            where, value = f"utility.{parts[1]}", payload["utility"].get(parts[1], _MISSING)
        elif len(parts) == 3 and parts[0] == "attack":
            metrics = payload["attacks"].get(parts[1])
            where = f"attacks.{parts[1]}.{parts[2]}"
            value = metrics.get(parts[2], _MISSING) if isinstance(metrics, Mapping) else _MISSING
        elif len(parts) == 2 and parts[0] == "privacy" and not parts[1].startswith("strongest_"):
            # (the DP claim's figures and flags: epsilon_refuted flipped to false, or
            # deleted, showed a refuted ε as a guarantee)
            privacy = payload.get("privacy")
            where = f"privacy.{parts[1]}"
            value = privacy.get(parts[1], _MISSING) if isinstance(privacy, Mapping) else _MISSING
        else:
            continue
        if value is _MISSING:
            return (f"{where} is missing, but headline[{_show(key)}] holds it "
                    f"({_show(copy)}): a figure was deleted after the run; rerun it")
        if not _same_copy(value, copy):
            return (f"{where} is {_show(value)}, but headline[{_show(key)}], written from it, "
                    f"is {_show(copy)}: a figure was changed after the run; rerun it")
    return _strongest_headline_problem(payload, headline)


# A block only mia-defense's writer (`mia_defense.pipeline.record`) puts in results.json: the
# seconds of each stage, written (since 0cf5cf5) with a ``headline``, which every version
# wrote. (schema_version has been 1 throughout; ``versions`` and ``sha256`` are written by
# tools of your own too, for the software and checkpoint checks.)
_WRITER_MARK = "timings"


def _writer_mark(payload: Mapping[str, Any]) -> str | None:
    """`_WRITER_MARK` when ``payload`` holds it as an object, or ``None`` (a file of a tool
    of your own)."""
    return _WRITER_MARK if isinstance(payload.get(_WRITER_MARK), Mapping) else None


def _headline_missing(payload: Mapping[str, Any]) -> str | None:
    """Why a file without a ``headline`` object is edited: it holds the block of mia-defense's
    writer (`_WRITER_MARK`), whose every version writes a headline, so the block was deleted
    (every figure's copy with it, the cross-checks of `_headline_problem` skipped); ``None``
    otherwise."""
    mark = _writer_mark(payload)
    if mark is None:
        return None
    return (f"no headline block (or not an object), but {mark} says mia-defense wrote the "
            "file, and every version of it writes a headline (the copy of the figures they "
            "are checked against): the block was deleted after the run; rerun it")


def _strongest_headline_problem(
    payload: Mapping[str, Any], headline: Mapping[str, Any]
) -> str | None:
    """How ``strongest_attack`` (``strongest_white_box_attack``) contradicts the headline's
    copy of its figures (``privacy/strongest_auc``...), or ``None``: the name changed after
    the run (to an attack that leaks less, the one that leaks most then marked white-box)."""
    for field, prefix in (("strongest_attack", "privacy/strongest_"),
                          ("strongest_white_box_attack", "privacy/strongest_white_box_")):
        name = payload.get(field)
        metrics = payload["attacks"].get(name) if isinstance(name, str) else None
        if not isinstance(metrics, Mapping):
            continue
        for key, copy in headline.items():
            metric = key.removeprefix(prefix) if isinstance(key, str) else ""
            if (not isinstance(key, str) or not key.startswith(prefix) or "/" in metric
                    or metric.startswith("white_box_") or metric not in metrics):  # fmt: skip
                continue
            value = metrics[metric]
            if not _same_copy(value, copy):
                return (f"{field} is {_show(name)}, whose {metric} is {_show(value)}, but "
                        f"headline[{_show(key)}] is {_show(copy)}: the strongest attack was "
                        "changed after the run; rerun it")
    return None


def _diverged_reason(payload: Mapping[str, Any]) -> str:
    detail = payload.get("diverged")
    reason = detail.get("reason") if isinstance(detail, Mapping) else None
    if not isinstance(reason, str) or not reason.strip():
        return "training diverged (no reason recorded); no privacy verdict"
    return f"training diverged: {one_line(reason)}; no privacy verdict"


def _uniform_chance(payload: Mapping[str, Any]) -> float | None:
    """1 / ``num_classes``, the least the majority class scores (the ``chance_accuracy`` a
    run records is at least that), or ``None`` without a class count of 2 or more."""
    classes = payload.get("num_classes")
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        return None
    return 1.0 / classes


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
    chance) and a run without a finite ``leakage`` figure get no place in the ranking nor on
    the Pareto front.
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
    if chance is None and uniform is None and "utility_below_chance" not in payload:
        # (all three deleted: a model at chance was ranked, its attacks at chance read as
        # private; mia-train and mia-attack write each of them)
        return (f"test accuracy {float(utility['test_accuracy']):.3f} cannot be told above "
                "chance: results.json has no utility.chance_accuracy, num_classes or "
                "utility_below_chance (deleted, or written by a tool of your own); no privacy "
                "verdict for a model that may have learned nothing: rerun it")
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


def resolution_note(payload: Mapping[str, Any], *, leakage: str = DEFAULT_OBJECTIVE) -> str | None:
    """A caveat on a ranked run whose ``leakage`` TPR sits at an FPR below 1 / (its
    non-member scores), or ``None``: no threshold there lets a non-member through, so the
    figure is the TPR at FPR 0 of this sample, noisy and near an FPR of 1 / count on fresh
    data, not a measurement at the FPR named (`unresolved_fprs`). A run without the count
    (deleted, or written before runs recorded it) is judged by what else it records
    (`_uncounted_note`): the caveat once went with the field."""
    match = re.fullmatch(r"tpr@([0-9.]+)%fpr", leakage.partition(".")[2])
    if match is None:
        return None
    count, fpr = payload.get("nonmember_scores"), float(match.group(1)) / 100
    if count is None:
        return _uncounted_note(payload, match, fpr)
    if not count:  # 0: no TPR at all (all NaN)
        return None
    if not unresolved_fprs(count, [fpr]):
        return None
    return _unresolved_text(match, fpr, count)


def _unresolved_text(match: re.Match[str], fpr: float, count: int, said: str = "") -> str:
    return (
        f"its {match.group(0)} rests on {said}{count} non-member scores, fewer than 1/FPR = "
        f"{math.ceil(1 / fpr)}: it is the TPR at FPR 0 of these scores (about FPR "
        f"{100 / count:.2g}% on fresh data), not a figure at {match.group(1)}%; rerun it with "
        "a larger plan.population_size or attack.num_targets to compare it at that FPR"
    )


def _uncounted_note(payload: Mapping[str, Any], match: re.Match[str], fpr: float) -> str | None:
    """`resolution_note` of a run that records no ``nonmember_scores``: its strongest
    attack's class slices count them (`_sliced_count`); else its models' scores of its
    records (``num_models`` x ``population_size``) bound them from above, below 1/FPR a
    caveat as sure; else a caveat that the TPR's resolution cannot be checked."""
    sliced = _sliced_count(payload)
    if sliced is not None:
        if not sliced or not unresolved_fprs(sliced, [fpr]):
            return None
        return _unresolved_text(match, fpr, sliced, "its class slices' ")
    models, records = payload.get("num_models"), payload.get("population_size")
    if _counts(models, records) and 0 < models * records and unresolved_fprs(
            models * records, [fpr]):  # fmt: skip
        return _unresolved_text(match, fpr, models * records, "at most ")
    return (
        f"results.json records no nonmember_scores (deleted, or written before runs recorded "
        f"it): whether its {match.group(0)} rests on the {math.ceil(1 / fpr)} non-member "
        "scores an FPR that low needs cannot be checked, and with fewer it is the TPR at FPR 0 "
        "of its scores; rerun it to know"
    )


def _counts(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values)


def _sliced_count(payload: Mapping[str, Any]) -> int | None:
    """The non-member scores of the strongest attack's class slices (``slices.<attack>.
    class_<c>.nonmember_scores``) summed: the run's pooled count, canaries left out of both,
    or ``None`` where the file holds no such slices."""
    slices, name = payload.get("slices"), payload.get("strongest_attack")
    by_slice = slices.get(name) if isinstance(slices, Mapping) and isinstance(name, str) else None
    if not isinstance(by_slice, Mapping):
        return None
    counts = [entry.get("nonmember_scores") for key, entry in by_slice.items()
              if isinstance(key, str) and key.startswith("class_") and isinstance(entry, Mapping)]
    if not counts or not _counts(*counts):
        return None
    return sum(counts)


def other_confidence(payload: Mapping[str, Any]) -> float | None:
    """The level of a run's attack intervals (``config.attack.confidence``) when it is not
    the report's `LEVEL` (95%), else ``None``: bootstrap intervals cannot be rescaled, and a
    50% interval shown as a 95% one looks tighter than it is."""
    config = payload.get("config")
    attack = config.get("attack") if isinstance(config, Mapping) else None
    level = attack.get("confidence") if isinstance(attack, Mapping) else None
    if isinstance(level, bool) or not isinstance(level, int | float) or level == LEVEL:
        return None
    try:
        return float(level)
    except OverflowError:  # an integer of hundreds of digits: no level, and no 95% either
        return math.inf


def _epsilon_text(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, int | float) else one_line(repr(value), limit=40)


def _dp_config(config: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The DP-SGD node of a run's config (``defense.dp``, or a defense whose ``_target_`` is
    mia-defense's DPSGD), or ``None``."""
    defenses = config.get("defense")
    if not isinstance(defenses, Mapping):
        return None
    for key, node in defenses.items():
        if isinstance(node, Mapping) and (
            key == "dp" or node.get("_target_") == "mia_defense.defenses.DPSGD"
        ):
            return node
    return None


def epsilon_doubt(payload: Mapping[str, Any]) -> str | None:
    """Why a run's finite ε, which its results.json states as a guarantee (``epsilon_valid``
    not false), is none by its own config, or ``None``: DP-SGD on shuffled batches
    (``poisson_sampling=false``), the ``gdp`` accountant, features scaled with statistics of
    the members (``dataset.standardize``/``normalize``) or a defense of the user's own beside
    it. mia-train writes each as ``epsilon_valid: false`` (all but the first since 2026-12-01
    or 12-02: earlier runs, or a file whose flag was edited, said true)."""
    privacy, config = payload.get("privacy"), payload.get("config")
    if not isinstance(privacy, Mapping):
        return None
    if not isinstance(config, Mapping):
        config = {}
    if not _numbers(privacy.get("epsilon")) or privacy.get("epsilon_valid") is False:
        return None  # (no finite ε: none claimed)
    models = privacy.get("per_model")
    accountants = [privacy.get("accountant"), *(
        m.get("accountant") for m in (models if isinstance(models, list) else [])
        if isinstance(m, Mapping))]  # fmt: skip (a list: an accountant may be an object)
    dp = _dp_config(config) or {}
    if dp.get("poisson_sampling") is False:
        return ("defense.dp.poisson_sampling=false: the models trained on shuffled batches, "
                "not the Poisson sampling the accountant analyses")
    if "gdp" in accountants or dp.get("accountant") == "gdp":
        return "accountant gdp: a central-limit approximation that can underestimate ε"
    if not dp:
        return None
    dataset = config.get("dataset")
    scaled = [k for k in ("standardize", "normalize")
              if isinstance(dataset, Mapping) and dataset.get(k) is True]  # fmt: skip
    if scaled:
        return (f"dataset.{scaled[0]}=true: the features were scaled with statistics of the "
                "data, members included, outside DP-SGD's accounting")
    defenses = config["defense"]
    own = sorted(
        str(node["_target_"]) for node in defenses.values()
        if isinstance(node, Mapping) and isinstance(node.get("_target_"), str)
        and not node["_target_"].startswith("mia_defense.")
    )  # fmt: skip
    if own:
        return (f"trained beside defenses of your own ({one_line(', '.join(own), limit=120)}), "
                "which DP-SGD's accounting does not cover")
    return None


def caveats(payload: Mapping[str, Any]) -> list[str]:
    """What a reader of a ranked run's row must know: its DP claim refuted by a measured
    bound (``privacy.epsilon_refuted``) or that none could refute (`_untested_note`), an ε
    the accountant did not compute for the mechanism that ran (``privacy.epsilon_valid``
    false: shuffled batches, which the report's ε column would otherwise show as a claim),
    masks that may not be the models' training sets (``privacy.masks_suspect``) or
    unbalanced (``privacy.masks_unbalanced``), attack scores that rank members below
    non-members (``privacy.attacks_inverted``; a white-box attack's:
    ``privacy.white_box_attacks_inverted``), its leakage figure below the resolution of its
    scores (`resolution_note`), its test accuracy measured on few records
    (`small_test_set_note`) or not above chance on them (`near_chance_note`), or null for
    some of its attacks (`_null_leakage`)."""
    notes = []
    privacy = payload.get("privacy", {})
    if privacy.get("epsilon_refuted") is True:
        reason = privacy.get("epsilon_refuted_reason") or "no reason recorded"
        notes.append(f"DP claim refuted: {one_line(reason)}")
    untested = _untested_note(privacy)
    if untested is not None:
        notes.append(untested)
    if privacy.get("epsilon_valid") is False and privacy.get("epsilon") is not None:
        reason = privacy.get("epsilon_invalid_reason") or "no reason recorded"
        notes.append(
            f"its ε {_epsilon_text(privacy['epsilon'])} is not a guarantee (epsilon_valid "
            f"false): {one_line(reason, limit=300)}"
        )
    doubt = epsilon_doubt(payload)
    if doubt is not None:
        notes.append(
            f"its ε {_epsilon_text(privacy['epsilon'])} is not a guarantee, though results.json "
            f"says epsilon_valid true (written before mia-defense checked this, or edited): "
            f"{doubt}"
        )
    unbalanced = privacy.get("masks_unbalanced")
    if unbalanced:  # mia-attack / api.audit: reference-based attacks may overstate the leak
        notes.append(f"masks unbalanced: {one_line(unbalanced, limit=400)}")
    suspect = privacy.get("masks_suspect")
    if suspect:  # mia-attack / api.audit: the masks may not be the models' (metrics.consistency)
        notes.append(f"masks suspect, the leak may be understated: {one_line(suspect, limit=400)}")
    inverted = privacy.get("attacks_inverted")
    if inverted:  # pipeline.evaluate.inverted_attacks: a leak its TPRs read as none
        notes.append(
            f"attack scores inverted, the leak is understated: {one_line(inverted, limit=400)}"
        )
    inverted = privacy.get("white_box_attacks_inverted")
    if inverted:  # the same of an attack on the weights: its figures and the ε bound
        notes.append(
            "white-box attack scores inverted, the leak to whoever holds the weights (and "
            f"empirical_epsilon) is understated: {one_line(inverted, limit=400)}"
        )
    level = other_confidence(payload)
    if level is not None:
        notes.append(
            f"its attacks' intervals are at attack.confidence={level:g}, not the 95% the report "
            "shows: left out of its row; rerun it with attack.confidence=0.95 to compare them"
        )
    resolution = resolution_note(payload)
    if resolution is not None:
        notes.append(resolution)
    few = small_test_set_note(payload)
    if few is not None:
        notes.append(few)
    else:
        near = near_chance_note(payload)
        if near is not None:
            notes.append(near)
    missing = _null_leakage(payload)
    if missing is not None:
        notes.append(missing)
    labels = _labels_unattacked(payload)
    if labels is not None:
        notes.append(labels)
    return notes


def _untested_note(privacy: Mapping[str, Any]) -> str | None:
    """A caveat on a DP claim no measurement of the run could have exceeded
    (``privacy.epsilon_untested``, `mia_defense.pipeline.claim.check_claim`): its
    ``epsilon_refuted: false`` is no evidence that the claim holds, and the report showed
    the ε beside it without a word."""
    untested = privacy.get("epsilon_untested")
    if not untested or privacy.get("epsilon_refuted") is True:
        return None
    reason = untested if isinstance(untested, str) else "no reason recorded"
    return f"DP claim untested: {one_line(reason, limit=400)}"


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


def _labels_unattacked(payload: Mapping[str, Any]) -> str | None:
    """A caveat on a run whose release lets out labels only (``label_only``, ``topk`` at
    k=1 renormalised, ``rounding`` at 0 decimals: one-hot outputs) attacked by no attack of
    access ``label``: its score attacks saw one-hot outputs and read near chance (the
    default run, loss alone: TPR 0 at 10% FPR, where label_only finds 0.165)."""
    defense = payload.get("defense")
    attacks = payload.get("attacks")
    if not isinstance(defense, Mapping) or not isinstance(attacks, Mapping):
        return None
    release = defense.get("release")
    one_hot = release == "label_only" or (
        release == "topk" and defense.get("release.k") == 1
        and defense.get("release.renormalize") is True
    ) or (release == "rounding" and defense.get("release.decimals") == 0)
    if not one_hot:
        return None
    if any(isinstance(m, Mapping) and m.get("access") == "label" for m in attacks.values()):
        return None
    return (
        f"release={release} lets out the predicted label only, and no attack of access label "
        "(label_only) attacked it: its other attacks saw one-hot outputs and may understate "
        "the leak; rerun it with attack.attacks.label_only"
    )


def _null_leakage(payload: Mapping[str, Any], *, leakage: str = DEFAULT_OBJECTIVE) -> str | None:
    """A caveat on a run whose black-box attacks give ``leakage`` but some as null (a NaN):
    the run's figure is the max of the others, and the attack left out may be its strongest.
    Every attack of a run scores the same records, so mia-defense writes all or none of them
    null: a file edited, or of a tool of your own."""
    metric = leakage.partition(".")[2]
    black_box = {
        name: m.get(metric) for name, m in payload["attacks"].items()
        if isinstance(m, Mapping) and metric in m and m.get("access", DEFAULT_ACCESS) in BLACK_BOX
    }  # fmt: skip
    null = sorted(name for name, value in black_box.items() if value is None)
    # the key deleted instead (every attack of a run reports the same metrics): the run's
    # figure was the others' alone, without a word, the attacks that leak left out
    missing = sorted(
        name for name, m in payload["attacks"].items()
        if isinstance(m, Mapping) and metric not in m
        and m.get("access", DEFAULT_ACCESS) in BLACK_BOX
    )  # fmt: skip
    if missing and len(null) < len(black_box):
        return (
            f"{metric} of {one_line(', '.join(missing), limit=200)} is missing while other "
            "attacks have one (the file was edited, or written by a tool of your own): its "
            "leakage is theirs alone and may be understated; rerun it"
        )
    if not null or len(null) == len(black_box):
        return None
    return (
        f"{metric} of {one_line(', '.join(null), limit=200)} is null (NaN) while other attacks "
        "have one: its leakage is theirs alone and may be understated; rerun it"
    )
