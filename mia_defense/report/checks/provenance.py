"""Checks of results.json against the run's own ``config``, which trained and measured it:
its model count, test-set size and defense and release names, and its attacks' interval
level."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mia_defense.metrics.bootstrap import RARER_KIND_ADVICE, few_resamples_note, too_few_kept
from mia_defense.report.checks._values import _MISSING, _counts, _show
from mia_defense.report.checks.attack_results import ONE_CLASS_KEY, resamples_drawn
from mia_defense.report.checks.doubt import edited
from mia_defense.report.stats import LEVEL

__all__ = [
    "BUILT_IN_DATASETS", "BUILT_IN_DEFENSES", "BUILT_IN_RELEASES", "defense_problem",
    "few_resamples", "kept_resamples_note", "other_confidence", "thin_intervals",
]


def _planned(payload: Mapping[str, Any], key: str) -> Any:
    """``config.plan.<key>``, the value the run was planned with, or ``None`` where the
    config does not say."""
    config = payload.get("config")
    plan = config.get("plan") if isinstance(config, Mapping) else None
    return plan.get(key) if isinstance(plan, Mapping) else None


def _plan_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``num_models`` contradicts the run's ``config.plan.num_models``, which trained
    them, or ``None``: a K raised by hand narrowed the test accuracy's interval (Student's t
    over the K models) and named another yardstick than the run's."""
    planned, count = _planned(payload, "num_models"), payload.get("num_models")
    if isinstance(planned, bool) or not isinstance(planned, int) or count is None:
        return None
    if count != planned:
        return edited(f"num_models is {count}, but config.plan.num_models, which trained "
                      f"them, is {planned}")
    return None


def _planned_test_size(payload: Mapping[str, Any]) -> int | None:
    """``config.plan.test_size`` when it is a count (null: what the data left)."""
    planned = _planned(payload, "test_size")
    return planned if _counts(planned) else None


def _test_size(payload: Mapping[str, Any]) -> Any:
    """The test records the run's accuracy rests on: ``test_size``, or, deleted,
    ``config.plan.test_size``, which drew them (the caveats on a small test set went with
    the field)."""
    size = payload.get("test_size")
    return _planned_test_size(payload) if size is None else size


def _canaries(payload: Mapping[str, Any]) -> tuple[int, int]:
    """How many canaries the run appended to the population (``canaries``, and the one-run
    audit's ``config.attack.audit_canaries``), and how many test records they may have
    taken: mislabeled canaries take the features of rows no model trains on, rows of the
    test set among them, which leave it (`mia_defense.canaries`). (Without the audit's,
    mia-train dataset=breast_cancer attack.audit=one_run was skipped as edited.)"""
    count = payload.get("canaries")
    count = count if _counts(count) else 0
    config = payload.get("config")
    attack = config.get("attack") if isinstance(config, Mapping) else None
    attack = attack if isinstance(attack, Mapping) else {}
    audited = attack.get("audit_canaries")
    if attack.get("audit") == "one_run" and _counts(audited):
        count += audited
    node = attack.get("canaries")
    outlier = isinstance(node, Mapping) and node.get("kind") == "outlier"
    return count, 0 if outlier else count


def _drawn(size: Any, planned: int, taken: int) -> bool:
    """Whether ``size`` test records are what a plan that drew ``planned`` of them leaves
    once the canaries took at most ``taken``."""
    return size == planned or (_counts(size) and planned - taken <= size < planned)


def _test_size_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``test_size`` contradicts ``config.plan.test_size``, which drew exactly that many
    test records (less those mislabeled canaries took), or ``None``: a count raised by hand
    (5 to 500) hid the caveat on an accuracy measured on a handful of records."""
    size, planned = payload.get("test_size"), _planned_test_size(payload)
    taken = _canaries(payload)[1]
    if planned is None or size is None or _drawn(size, planned, taken):
        return _split_problem(payload)
    lost = f" less the at most {taken} rows its canaries took" if taken else ""
    return edited(f"test_size is {_show(size)}, but config.plan.test_size, which drew the "
                  f"test set, is {planned}{lost}")


def _split_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``test_size`` contradicts the default split, which drew it, or ``None``: with
    ``config.plan.population_size`` and ``test_size`` both null the population is
    `default_population` of the data, and one below `DEFAULT_POPULATION` leaves exactly the
    rest, about a third of it, as the test set (breast_cancer: 426 and 143). A count raised
    by hand (143 to 10**12) hid the small-test and near-chance caveats."""
    from mia_defense.plan import DEFAULT_POPULATION, default_population

    size, population = payload.get("test_size"), payload.get("population_size")
    config = payload.get("config")
    plan = config.get("plan") if isinstance(config, Mapping) else None
    if not isinstance(plan, Mapping) or not _counts(size, population):
        return None
    canaries, taken = _canaries(payload)
    population -= min(canaries, population)  # (the regular records the split drew)
    if any(plan.get(key, _MISSING) is not None for key in ("population_size", "test_size")):
        return None
    if not 2 <= population < DEFAULT_POPULATION:
        return None  # (the default population reached: the data's size is not recorded)
    sizes = [n - population for n in range(population, 2 * population + 4)
             if default_population(n) == population]  # fmt: skip
    if any(_drawn(size, n, taken) for n in sizes):
        return None
    shown = " or ".join(str(n) for n in sizes)
    return edited(f"test_size is {_show(size)}, but the default split "
                  f"(config.plan.population_size and test_size null) that drew population_size "
                  f"{population}{f' (and {canaries} canaries)' if canaries else ''} leaves "
                  f"{shown} test records")


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
    any name). Then the block's settings (`_settings_problem`) and results.json's
    ``dataset`` (`_dataset_problem`)."""
    defense, config = payload.get("defense"), payload.get("config")
    if not isinstance(defense, Mapping) or not isinstance(config, Mapping):
        return None
    name, nodes = defense.get("defense", "none"), config.get("defense", _MISSING)
    if isinstance(nodes, Mapping) or nodes is None:
        nodes = nodes or {}
        expected = [_built_in_name(node, BUILT_IN_DEFENSES) for node in nodes.values()]
        said = name.split("+") if isinstance(name, str) else None
        if not nodes and name != "none":
            return edited(f"defense.defense is {_show(name)}, but config.defense, which "
                          "trained the models, is empty (no defense)")
        if nodes and None not in expected and sorted(expected) != sorted(said or []):
            return edited(f"defense.defense is {_show(name)}, but config.defense, which "
                          f"trained the models, holds {_show('+'.join(expected))}")
    if "release" not in config:
        return _settings_problem(defense, config) or _dataset_problem(payload)
    recorded = defense.get("release", "full")
    release = config["release"]
    expected_release = "full" if release is None else _built_in_name(release, BUILT_IN_RELEASES)
    if expected_release is not None and recorded != expected_release:
        return edited(f"defense.release is {_show(recorded)}, but config.release, which "
                      f"released the outputs, is {expected_release!r}")
    return _settings_problem(defense, config) or _dataset_problem(payload)


def _comparable(recorded: Any, configured: Any) -> bool | None:
    """Whether a setting ``recorded`` in results.json's ``defense`` block equals the value
    ``configured`` in its config (a number as a number: a defense records ``float(x)``), or
    ``None`` where the two cannot be compared (a null the defense resolved, 'auto', a list)."""
    if isinstance(recorded, bool) or isinstance(configured, bool):
        return recorded == configured if isinstance(recorded, bool) and isinstance(
            configured, bool) else None  # fmt: skip
    if isinstance(recorded, int | float) and isinstance(configured, int | float):
        return math.isclose(recorded, configured, rel_tol=1e-9, abs_tol=0.0)
    if isinstance(recorded, str) and isinstance(configured, str):
        return recorded == configured
    return None


def _built_in_nodes(config: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """``name -> config node`` of the run's built-in defenses (``dp`` -> ``config.defense.dp``,
    whatever its key) and of a built-in release (``release``); a name two nodes share is
    left out (which node a setting came from is not known)."""
    nodes: dict[str, Mapping[str, Any]] = {}
    twice: set[str] = set()
    defenses = config.get("defense")
    for node in (defenses.values() if isinstance(defenses, Mapping) else ()):
        name = _built_in_name(node, BUILT_IN_DEFENSES)
        if name is not None:
            (twice.add(name) if name in nodes else nodes.__setitem__(name, node))
    release = config.get("release")
    if _built_in_name(release, BUILT_IN_RELEASES) is not None:
        nodes["release"] = release
    return {name: node for name, node in nodes.items() if name not in twice}


# What DP-SGD's hparams (results.json's ``defense`` block, the report's hyperparameters
# column) say for a setting its config left null (`mia_defense.defenses.DPSGD.hparams`);
# every other value of it is the config's. A δ of -1 there beside a null config.defense.dp
# .delta was shown as 'dp.delta=-1' in the row of a valid ε.
_DP_NULL_WORDS = {"noise_multiplier": "auto", "target_epsilon": "none", "delta": "auto"}


def _settings_problem(defense: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    """How a setting of results.json's ``defense`` block (``dp.target_epsilon``,
    ``release.k``, ``shadow_recipe``: what the report's hyperparameters column shows)
    contradicts the run's config, or ``None``: ``defense.dp.target_epsilon`` edited from 8 to
    2 showed a run at ε 2 in the table. Compared only where both say a value of one kind, for
    mia-defense's own defenses and releases (their settings are their config's keys; 'auto'
    or a null resolved by the run is not compared, nor a user's defense, which may record
    anything)."""
    attack = config.get("attack")
    recipe = attack.get("shadow_recipe") if isinstance(attack, Mapping) else None
    if "shadow_recipe" in defense and _comparable(defense["shadow_recipe"], recipe) is False:
        return edited(f"defense.shadow_recipe is {_show(defense['shadow_recipe'])}, but "
                      f"config.attack.shadow_recipe, which trained the shadow models, is "
                      f"{_show(recipe)}")
    nodes = _built_in_nodes(config)
    named = defense.get("defense", "none")
    ran = set(named.split("+")) if isinstance(named, str) else set()
    for key, value in defense.items():
        name, dot, setting = key.partition(".") if isinstance(key, str) else ("", "", "")
        if dot and name in BUILT_IN_DEFENSES.values() and name not in ran:
            return edited(f"defense.{key} is a setting of the defense {name!r}, which the "
                          f"run did not train with (defense.defense is {_show(named)})")
        node = nodes.get(name)
        if not dot or node is None or setting not in node:
            continue
        configured = node[setting]
        same = _comparable(value, configured)
        if name == "dp" and same is None and value is not None:  # (null: an older record)
            configured = _DP_NULL_WORDS.get(setting) if configured is None else configured
            same = _comparable(value, configured) or False
        if same is False:
            where = "config.release" if name == "release" else f"config.defense's {name}"
            shown = "null" if node[setting] is None else _show(node[setting])
            return edited(f"defense.{key} is {_show(value)}, but {where}, which trained "
                          f"and released the models, has {setting}={shown}")
    return None


# The name each of mia-defense's own data loaders gives its dataset (results.json's
# ``dataset``: the report's fronts are per dataset), by the loader's name; ``None``: the
# loader's ``name`` argument (csv, npz: compared where the config gives it, as
# conf/dataset/ does). tests/report/test_h156_blocks_against_config.py checks the table
# against the loaders.
BUILT_IN_DATASETS: dict[str, str | None] = {
    "load_breast_cancer": "breast_cancer", "load_cifar10": "cifar10",
    "load_cifar100": "cifar100", "load_csv": None, "load_digits": "digits",
    "load_fashion_mnist": "fashion_mnist", "load_mnist": "mnist", "load_npz": None,
    "load_purchase100": "purchase100", "load_texas100": "texas100",
    "make_purchase_like": "purchase_like", "make_texas_like": "texas_like",
}  # fmt: skip


def _dataset_problem(payload: Mapping[str, Any]) -> str | None:
    """How results.json's ``dataset`` (the name that puts a run on its dataset's front)
    contradicts ``config.dataset``, whose mia-defense loader named it, or ``None``: a name
    edited from digits to cifar10 put the run on a front of its own under a dataset it never
    saw. Not checked for a loader of your own (any name), nor for a loader that takes a
    name where the config gives none."""
    name, config = payload.get("dataset"), payload.get("config")
    node = config.get("dataset") if isinstance(config, Mapping) else None
    target = node.get("_target_") if isinstance(node, Mapping) else None
    if not isinstance(name, str) or not isinstance(target, str):
        return None
    if not target.startswith("mia_defense.data."):
        return None
    loader = target.rpartition(".")[2]
    if loader not in BUILT_IN_DATASETS:
        return None
    expected = BUILT_IN_DATASETS[loader] or node.get("name")
    if not isinstance(expected, str) or name == expected:
        return None
    return edited(f"dataset is {_show(name)}, but config.dataset ({loader}), which loaded "
                  f"the data, names it {expected!r}")


def other_confidence(payload: Mapping[str, Any]) -> float | None:
    """The level of a run's attack intervals (``config.attack.confidence``) when it is not
    the report's `LEVEL` (95%), else ``None``: bootstrap intervals cannot be rescaled, and a
    50% interval shown as a 95% one looks tighter than it is. NaN for a value that is no
    number (edited: 'x' and true were read as 95%, their intervals shown so)."""
    config = payload.get("config")
    attack = config.get("attack") if isinstance(config, Mapping) else None
    level = attack.get("confidence") if isinstance(attack, Mapping) else None
    if level is None or level == LEVEL:  # (None: not recorded, an older run's)
        return None
    if isinstance(level, bool) or not isinstance(level, int | float):
        return math.nan  # ('x', true: no level, and no 95% either; shown as it is written)
    try:
        return float(level)
    except OverflowError:  # an integer of hundreds of digits: no level, and no 95% either
        return math.inf


def few_resamples(payload: Mapping[str, Any]) -> str | None:
    """What `thin_intervals` says of a run's attack intervals, else ``None``."""
    thin = thin_intervals(payload)
    return None if thin is None else thin[1]


def thin_intervals(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(key, note)`` of a run whose 95% attack intervals rest on too few bootstrap
    resamples, else ``None``: ``few_resamples`` (`few_resamples_note`, config.attack.bootstrap
    below 200: attack.bootstrap=1 gave 'TPR@0.1%FPR 0.0015 [0.0014, 0.0014]', shown as a 95%
    interval that does not hold its own figure, and rows were ordered and combined on it),
    or ``one_class_resamples`` (`_one_class_note`: enough drawn, too few kept). (Another
    level is `other_confidence`'s.) A value that is no count of resamples (-1, 2.5, "50",
    true: the file edited) tells nothing of them: its intervals were shown as 95% ones, the
    caveat of 50 resamples gone."""
    count = resamples_drawn(payload.get("config"))
    if other_confidence(payload) is not None:
        return None
    if count is not None and not _counts(count):
        return "few_resamples", (
            f"config.attack.bootstrap is {_show(count)}, not a number of resamples (the file "
            "was edited), so nothing tells how many its intervals rest on; rerun it")
    if count is None:
        return None
    return kept_resamples_note(count, _left_out(payload.get("attacks"), count), LEVEL)


def kept_resamples_note(drawn: int, left_out: Mapping[str, int],
                        confidence: float) -> tuple[str, str] | None:
    """``(key, note)`` of percentile intervals at ``confidence`` drawn from ``drawn``
    resamples (attack.bootstrap) of which ``left_out`` (each attack's, its
    ``ci_one_class_resamples``) drew one kind of record, when they rest on too few, else
    ``None``: ``few_resamples`` (`few_resamples_note`: too few drawn) or
    ``one_class_resamples`` (`_one_class_note`: enough drawn, too few kept). The one rule of
    mia-report's caveat (`thin_intervals`) and the end-of-run table's FEW RESAMPLES line,
    which read attack.bootstrap alone: 200 drawn, 150 left out, printed as 95% intervals."""
    note = few_resamples_note(drawn, confidence)
    if note is not None:
        return "few_resamples", note
    note = _one_class_note(left_out, drawn, confidence)
    return None if note is None else ("one_class_resamples", note)


def _left_out(attacks: Any, drawn: int) -> dict[str, int]:
    """Each attack's ``ci_one_class_resamples`` in results.json's ``attacks``, those that are
    a count of at most ``drawn`` (another value `attack_results` refuses)."""
    left_out = {name: metrics.get(ONE_CLASS_KEY) for name, metrics in attacks.items()
                if isinstance(metrics, Mapping)} if isinstance(attacks, Mapping) else {}
    return {name: n for name, n in left_out.items() if _counts(n) and n <= drawn}


def _one_class_note(left_out: Mapping[str, int], drawn: int, confidence: float) -> str | None:
    """What to say of intervals that rest on fewer than the resamples a percentile interval
    at ``confidence`` needs (200 at 95%) once those that drew one kind of record are left
    out (``left_out``, each attack's), naming the attacks with the fewest kept, or ``None``:
    attack.bootstrap=200 of which 150 drew no non-member was ranked as 95% intervals."""
    most = max(left_out.values(), default=0)
    few = too_few_kept(drawn - most, confidence) if most else None
    if few is None:  # (attack.bootstrap=0: no intervals, none left out)
        return None
    names = ", ".join(name for name, n in left_out.items() if n == most)
    return (f"the intervals of attacks {names} rest on {drawn - most} of the {drawn} resamples "
            f"(attack.bootstrap): {most} drew no member or no non-member and were left out "
            f"(ci_one_class_resamples), {few}; {RARER_KIND_ADVICE}")
