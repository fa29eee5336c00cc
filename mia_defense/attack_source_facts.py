"""The facts a run's results.json states, judged before mia-attack carries them.

mia-attack attacks a mia-train run directory again and copies its results.json's facts (its
counts, dataset, utility figures, privacy claim, one-run audit, attack settings) into the new
record. `_results_problem` says why they cannot be carried (a section of the wrong type, a
figure out of range, a DP claim that contradicts itself, an audit the config never ran),
`_edited_problem` which of mia-report's checks of an edited file they fail, `_not_the_runs`
and `_canaries_unflagged` how the observations read differ from the run results.json
describes; `mia_defense.attack_source` refuses the source on these answers. `doubt_claim`
carries an ε the run's config makes no guarantee as none, and `MEASURED_PRIVACY` names what
the attack stage measures again rather than carries.

It imports nothing heavy at start-up (``mia-attack --help`` stays fast); the checks it
shares with mia-report and the API are imported when a source is judged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from mia_defense.constraints import shown_path

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

    from mia_defense.observations import Observations

__all__ = ["MEASURED_PRIVACY", "doubt_claim"]

# (the name of the module these checks were moved out of: its warnings' log lines read the same)
log = logging.getLogger("mia_defense.attack_source")


# Sections of a run's results.json that mia-attack carries into its own: JSON objects (null
# reads as empty), ``utility`` and ``defense`` required; and the utility figures it reads.
_SECTIONS = ("utility", "defense", "config", "hparams", "privacy", "training")
_UTILITY = ("test_accuracy", "train_accuracy", "generalization_gap", "chance_accuracy")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _whole(value: Any, *, low: int | None = None) -> bool:
    """Whether ``value`` is an integer >= ``low`` (not a bool): the rule of
    `mia_defense.metrics.inputs.as_integer`, here answered rather than raised, for the
    problems worded below."""
    from mia_defense.errors import ConfigError
    from mia_defense.metrics.inputs import as_integer

    try:
        as_integer(value, key="", low=low)
    except ConfigError:
        return False
    return True


def _results_problem(results: dict[str, Any]) -> str | None:
    """Why a run's results.json cannot give mia-attack the run's facts (a section of the
    wrong type, a utility figure that is not a number, a seed that is not one), or ``None``."""
    from mia_defense.tracking import schema_problem

    problem = schema_problem(results)
    if problem:
        return problem
    for key in _SECTIONS:
        value = results.get(key)
        if value is None and key not in ("utility", "defense"):
            continue
        if not isinstance(value, dict):
            return f"{key} is {_kind(value)}, not an object"
    # (a run that records its files' sha256 records its config too: a hand-made or older
    # results.json without either is still read, its ε carried as no guarantee)
    if not results.get("config") and "sha256" in results:
        said = ("missing" if "config" not in results else
                "null" if results["config"] is None else "empty")
        return (f"config is {said}, yet the file records its run's sha256, as runs that write "
                "their config do: the file was edited, and the new record would carry no "
                "training config; put the run's own results.json back")
    problem = utility_problem(results["utility"]) or _training_deleted(results)
    if problem:
        return problem
    seed = results.get("seed", 0)
    if not _whole(seed, low=0):
        return f"seed is {_kind(seed)} {seed!r}, not an integer >= 0"
    problem = _seed_problem(results, seed)
    if problem:
        return problem
    return (_facts_problem(results) or _audit_ran_problem(results) or _settings_problem(results)
            or _defense_problem(results))


def _training_deleted(results: dict[str, Any]) -> str | None:
    """`training_problem`, with what mia-attack would have recorded: the models as trained
    outside mia-defense (``training.engine: external``, the API's stand-in)."""
    from mia_defense.tracking.artifacts import training_problem

    problem = training_problem(results)
    return None if problem is None else (
        f"{problem}, and the new record would name them trained outside mia-defense; put "
        "the run's own results.json back")  # fmt: skip


def utility_problem(utility: dict[str, Any]) -> str | None:
    """Why a run's ``utility`` (results.json's, null for what the run could not measure)
    lacks a figure mia-attack reads or holds one that is no number in its range, or whose
    gap is not train - test accuracy; ``None`` when it is usable."""
    for key in _UTILITY:
        if key not in utility:
            return f"utility.{key} is missing"
        value = utility[key]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (number or (value is None and key != "chance_accuracy")):
            return f"utility.{key} is {_kind(value)} {value!r}, not a number"
        low = -1.0 if key == "generalization_gap" else 0.0
        if number and not low <= value <= 1.0:  # NaN and Infinity too (json reads them)
            return f"utility.{key} is {value!r}, outside [{low:g}, 1]"
    std = utility.get("test_accuracy_std")  # optional: mia-report reads it when given
    if std is not None and (isinstance(std, bool) or not isinstance(std, int | float)
                            or not 0 <= std <= 1):  # fmt: skip
        return f"utility.test_accuracy_std is {_kind(std)} {std!r:.60}, not a number in [0, 1]"
    return _gap_problem(utility)


def _seed_problem(results: dict[str, Any], seed: int) -> str | None:
    """Why ``seed``, the run's seed mia-attack attacks with and records (results.json's,
    0 where it states none), is not the ``config.seed`` the run trained its models with, or
    ``None``: a seed edited by hand (or removed) beside an untouched config was carried into
    the new record as the config's seed, naming a seed that never trained these models."""
    config = results.get("config")
    if not isinstance(config, dict) or "seed" not in config or config["seed"] == seed:
        return None
    said = f"seed is {seed!r}" if "seed" in results else "seed is missing (read as 0)"
    return (f"{said}, but config.seed, with which the run trained its models, is "
            f"{config['seed']!r}: the file was edited; put the run's own results.json back")


def _edited_problem(results: dict[str, Any], extras: dict[str, np.ndarray]) -> str | None:
    """mia-report's checks of a file edited after the run (`edited_problem`: test_size,
    test_accuracy_std, chance_accuracy, the headline; `test_records_problem`: test_size
    against the observations' ``test_idx``), in its words: passed here, the run was
    attacked again and only its new record skipped."""
    from mia_defense.report.checks import edited_problem, test_records_problem

    held = extras.get("test_idx")
    count = len(held) if held is not None and held.ndim == 1 else None
    return edited_problem(results) or test_records_problem(results, count)


def _defense_problem(results: dict[str, Any]) -> str | None:
    """How the run's defense or release name contradicts its config (`mia-report`'s rule,
    `defense_problem`: an undefended run renamed ``dp``), or ``None``: mia-attack carries
    the name into its record, which mia-report then groups as a defended run."""
    from mia_defense.report.checks import defense_problem

    return defense_problem(results)


def _gap_problem(utility: dict[str, Any]) -> str | None:
    """Why ``generalization_gap`` is not ``train_accuracy - test_accuracy``, as every run
    writes it (null with a null test accuracy), or ``None``: a test accuracy changed by hand
    was carried into the new record (mia-report ranks runs by it)."""
    train, test, gap = (utility[k] for k in ("train_accuracy", "test_accuracy",
                                             "generalization_gap"))
    if train is None or (test is None and gap is None):
        return None
    if test is None or gap is None or abs(gap - (train - test)) > 1e-6:
        return (f"utility.generalization_gap is {gap!r}, but train_accuracy - test_accuracy "
                f"is {train!r} - {test!r}: a figure was changed after the run; put the "
                "run's own results.json back")  # fmt: skip
    return None


def _settings_problem(results: dict[str, Any]) -> str | None:
    """Why a `FIXED_SETTINGS` value of the run's config is none mia-train takes (a repeats
    of text, a white_box of 1), or ``None``: mia-attack states them as the observations'
    own in its record and names them in its refusals, where mia-report reads them."""
    from mia_defense.attack_setup import FIXED_SETTINGS
    from mia_defense.config_tables import ATTACK, Group, Param

    for key in FIXED_SETTINGS:
        value = _setting(results, key)
        spec: Any = Group(ATTACK)
        for part in key.split("."):
            spec = spec.keys[part] if isinstance(spec, Group) else None
        line = spec.problem(f"config.attack.{key}", value) if (
            isinstance(spec, Param) and value is not _UNKNOWN
        ) else None  # fmt: skip
        if line:
            return line
    return None


def _audit_ran_problem(results: dict[str, Any]) -> str | None:
    """Why ``privacy.audit`` cannot be carried: the run's config says it ran no one-run audit
    (the figures were added or copied from another run), or ``None``. mia-attack cannot run
    the audit (its canaries are part of training): it carries the run's, which the new
    record must not show beside ``attack.audit: none``."""
    if (results.get("privacy") or {}).get("audit") is None:
        return None
    said = _setting(results, "audit")
    if said == "one_run":
        return None
    shown = "missing" if said is _UNKNOWN else repr(said)
    return (f"privacy.audit holds a one-run audit's figures, but config.attack.audit is "
            f"{shown}: the run ran no audit (its figures were added or copied from another "
            "run); drop privacy.audit")  # fmt: skip


# Facts of a run's results.json that mia-attack copies into its own: the keys of each type
# (null allowed: an older run may not state them), as mia-report reads them.
_COUNTS = ("num_models", "num_classes", "population_size", "test_size", "canaries")
_TEXTS = ("dataset", "data_fingerprint", "data_digest")


def _facts_problem(results: dict[str, Any]) -> str | None:
    """Why a fact mia-attack copies is of the wrong type (a dataset that is no name, a
    count that is no integer, an input shape that is no list of sizes), or ``None``: the
    run written with it was complete, yet mia-report skipped it ("not a name")."""
    from mia_defense.report.checks import count_too_large

    for key in _TEXTS:
        value = results.get(key)
        if value is not None and not isinstance(value, str):
            return f"{key} is {_kind(value)} {value!r:.60}, not a string"
    for key in _COUNTS:
        value = results.get(key)
        low = 1 if key in ("num_models", "num_classes") else 0
        if value is not None and not _whole(value, low=low):
            return f"{key} is {_kind(value)} {value!r:.60}, not an integer >= {low}"
        if count_too_large(key, value):  # (mia-report's refusal: 2**53 hid the caveats)
            return count_too_large(key, value)
    shape = results.get("input_shape")
    if shape is not None and not (isinstance(shape, list) and all(
            _whole(n, low=1) for n in shape)):
        return f"input_shape is {_kind(shape)} {shape!r:.60}, not a list of sizes >= 1"
    labels = results.get("class_labels")
    if labels is not None and not isinstance(labels, list):
        return f"class_labels is {_kind(labels)} {labels!r:.60}, not a list"
    classes = results.get("num_classes")
    if labels is not None and isinstance(classes, int) and len(labels) != classes:
        return (f"class_labels names {len(labels)} classes, num_classes is {classes}: one "
                "label per class index")  # fmt: skip
    config = results.get("config") or {}
    plan = config.get("plan")
    planned, count = plan.get("num_models") if isinstance(plan, dict) else None, results.get(
        "num_models")  # fmt: skip
    if _whole(planned) and isinstance(count, int) and planned != count:
        # (mia-report skips the new record for it, as edited)
        return (f"num_models is {count}, but config.plan.num_models, which trained them, is "
                f"{planned}: a figure was changed after the run")
    return _privacy_problem(results.get("privacy") or {}, results.get("num_models"),
                            config.get("defense")) or _schedule_problem(results)


# What the attack stage measures into ``privacy``: the source run's attacks' findings, never
# carried (a leak at chance utility, an undefined verdict or a refuted DP claim the new
# attacks do not find stayed in the new results.json; the stage only ever sets them).
MEASURED_PRIVACY = frozenset({
    "empirical_epsilon", "empirical_epsilon_delta", "leak_without_utility",
    "leak_without_utility_reason", "no_verdict_reason", "epsilon_refuted",
    "epsilon_refuted_by", "epsilon_refuted_reason",
    # the checks of the masks against the outputs (`mia_defense.api.run_audit`)
    "masks_suspect", "masks_out_vs_test_auc", "masks_unbalanced",
    "attacks_inverted",  # `mia_defense.pipeline.trust_checks.inverted_attacks`
    "white_box_attacks_inverted",
    "outputs_saturated",  # `mia_defense.pipeline.trust_checks._check_saturated`
})  # fmt: skip


def _privacy_problem(
    privacy: dict[str, Any], num_models: Any = None, defenses: Any = None
) -> str | None:
    """Why the accountant's figures mia-attack carries cannot be used: a δ outside (0, 1)
    (the empirical ε bound is computed at it: 'abc' was a TypeError traceback, 5 a bound
    at δ=5) or an ε that is no number >= 0 (infinite: no noise), or ``None``."""
    import sys

    from mia_defense.errors import ConfigError
    from mia_defense.metrics.inputs import as_fraction
    from mia_defense.report.checks import flag_problem

    # (mia-report's refusal: "false" read as a valid ε; epsilon_refuted is measured again)
    flags = flag_problem(privacy, flags=("epsilon_valid",))
    if flags is not None:
        return flags
    delta, epsilon = privacy.get("delta"), privacy.get("epsilon")
    try:
        if delta is not None:
            as_fraction(delta, key="privacy.delta")
    except ConfigError:
        return f"privacy.delta is {_kind(delta)} {delta!r:.60}, not a number in (0, 1)"
    if epsilon is not None and (isinstance(epsilon, bool) or not isinstance(epsilon, int | float)
                                or epsilon != epsilon or epsilon < 0):  # fmt: skip
        return f"privacy.epsilon is {_kind(epsilon)} {epsilon!r:.60}, not a number >= 0"
    if isinstance(epsilon, int) and epsilon > sys.float_info.max:  # (math.isnan: OverflowError)
        return (f"privacy.epsilon is an integer of {len(str(epsilon))} digits, too large for a "
                "float (mia-report's words; a run writes an ε beyond as Infinity)")  # fmt: skip
    return _claim_problem(privacy, num_models, defenses) or _audit_problem(privacy)


def _claim_problem(privacy: dict[str, Any], num_models: Any, defenses: Any) -> str | None:
    """How the DP claim mia-attack would carry contradicts its own fields (`mia-report`'s
    rule, `dp_claim_problem`: an ε below a model's own in ``per_model``, a refutation's
    reason beside ``epsilon_refuted`` false...), or ``None``: the run's ε was carried and
    stated as a guarantee."""
    from mia_defense.report.checks import dp_claim_problem

    problem = dp_claim_problem(privacy, num_models=num_models, defenses=defenses)
    return None if problem is None else f"{problem}: a figure was changed after the run"


def _schedule_problem(results: dict[str, Any]) -> str | None:
    """mia-report's refusal (`schedule_deleted`) of a DP-SGD ε in mia-train's record without
    the schedule that recomputes it, or ``None``: mia-attack carried the ε, lowered by hand
    with ``privacy.per_model`` deleted, and its own verdict took it as the accountant's."""
    from mia_defense.report.checks import schedule_deleted

    problem = schedule_deleted(results)
    return None if problem is None else f"{problem}: a figure was changed after the run"


def _audit_problem(privacy: dict[str, Any]) -> str | None:
    """Why the one-run audit's block mia-attack carries (its white-box half cannot be
    measured again without training) cannot be summarised, or ``None``: a malformed one was
    a traceback from the summary table once results.json was written."""
    from mia_defense.audit import audit_lines

    try:
        audit_lines(privacy)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        # (OverflowError: an integer too large for a float, formatted as one)
        return (f"privacy.audit is not a one-run audit's figures ({type(exc).__name__}: "
                f"{str(exc)[:80]})")  # fmt: skip
    return _audit_counts_problem(privacy["audit"]) if "audit" in privacy else None


def _audit_counts_problem(audit: Any) -> str | None:
    """How a side of the one-run audit contradicts itself: its ε is not what its counts
    give at its confidence (`mia_defense.pipeline.claim._audit_bound`, which the DP claim is
    held to), or ``None``. A results.json whose white-box ``correct`` was raised to its
    ``guesses`` printed 'ε >= 0.354 (...)' beside 'DP CLAIM REFUTED: measured ε >= 4.1'."""
    import functools
    import math

    from mia_defense.pipeline.claim import _audit_bound

    for side in ("white_box", "black_box"):
        entry = audit.get(side) if isinstance(audit, dict) else None
        value = entry.get("epsilon") if isinstance(entry, dict) else None
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        level, bound_at = _audit_bound(entry, float(value), 0.95)
        if not isinstance(bound_at, functools.partial) or "correct" not in bound_at.keywords:
            continue  # (counts not recorded: the figure is held to as recorded)
        again = bound_at(confidence=level)
        if not math.isclose(again, value, rel_tol=1e-4, abs_tol=1e-5):
            return (f"privacy.audit.{side}.epsilon is {value:.4g}, but its counts (m="
                    f"{entry['canaries']}, {entry['correct']}/{entry['guesses']} guesses right) "
                    f"give {again:.4g} at its confidence: a figure was changed after the run")
    return None


def _not_the_runs(obs: Observations, results: dict[str, Any]) -> str | None:
    """How the observations differ from the run results.json describes (its models,
    records and classes, and the members' accuracy on its outputs), or ``None``; a figure
    results.json does not hold is not compared, nor the accuracy where it does not state
    the observations' records (every mia-train and mia-attack results.json does)."""
    held = {"num_models": obs.num_models, "population_size": len(obs.labels),
            "num_classes": obs.num_classes}  # fmt: skip
    for key, value in held.items():
        said = results.get(key)
        if _whole(said) and said != value:
            return f"{key} is {value} in them, {said} in results.json"
    if "population_size" not in results:  # not a run's record of these observations
        return None
    if _one_answer_accuracy(results):
        return None
    return _accuracy_differs(obs, results["utility"].get("train_accuracy"))


# The built-in releases that answer a query the same every time (`Release.randomized`),
# by name: mia-attack on a run imports no torch, which the classes would bring (1.4 s);
# tests/test_red_verdict_h72_attack_noise_run.py checks the list against the classes.
_DETERMINISTIC_RELEASES = frozenset(
    f"mia_defense.defenses.{name}"
    for name in ("FullRelease", "TopKRelease", "RoundingRelease", "LabelOnlyRelease",
                 "TemperatureRelease")
)  # fmt: skip


def _one_answer_accuracy(results: dict[str, Any]) -> bool:
    """Whether the run's ``utility.train_accuracy`` is of one answer per member, not of the
    observations' averaged answers: a release other than a deterministic built-in one
    (release=noise) asked ``attack.queries.repeats`` > 1 times
    (`mia_defense.pipeline.release.release_members_once`). Compared with the observations'
    averages it differed (0.790 against 0.795), and every release=noise run was refused as
    'their masks, labels or outputs were changed'."""
    config = results.get("config")
    release = config.get("release") if isinstance(config, dict) else None
    attack = config.get("attack") if isinstance(config, dict) else None
    queries = attack.get("queries") if isinstance(attack, dict) else None
    repeats = queries.get("repeats") if isinstance(queries, dict) else None
    target = release.get("_target_") if isinstance(release, dict) else None
    return (_whole(repeats, low=2)
            and isinstance(target, str) and target not in _DETERMINISTIC_RELEASES)


def _canaries_unflagged(extras: dict[str, np.ndarray], results: dict[str, Any]) -> str | None:
    """How ``is_canary`` differs from the canaries results.json says the run inserted, or
    ``None``. Unflagged canaries (the array dropped or cleared) were pooled with the records;
    records flagged beyond them (the run's canaries and the one-run audit's, appended last by
    mia-train) were left out of the pooled figures and the verdict, a leaky record hidden."""
    import numpy as np

    from mia_defense.observations import zero_one_flags

    said = results.get("canaries")
    if not _whole(said, low=0):
        return None
    read = zero_one_flags(extras.get("is_canary", np.zeros(0, dtype=bool)))
    flags = np.zeros(0, dtype=bool) if read is None else read
    flagged = int(flags.sum())
    audit, audited = _setting(results, "audit"), _setting(results, "audit_canaries")
    if audit is _UNKNOWN or (audit == "one_run" and not _whole(audited)):
        # an older run: the audit's canaries are flagged as well, in a number not stated
        fewer = f"is_canary flags {flagged} records, results.json {said} canaries"
        return None if flagged >= said else fewer
    expected = said + (audited if audit == "one_run" else 0)
    what = f"{said} canaries" + (f" and {audited} audit canaries (attack.audit_canaries)"
                                 if audit == "one_run" else "")  # fmt: skip
    if flagged != expected:
        return f"is_canary flags {flagged} records, results.json {what}"
    engine = (results.get("training") or {}).get("engine")
    last = np.zeros(len(flags), dtype=bool)
    last[len(flags) - expected:] = True
    if expected and engine not in (None, "external") and flags.ndim == 1 and not (
        np.array_equal(flags.astype(bool), last)
    ):
        return (f"is_canary flags other records than the last {expected} (mia-train appends "
                f"its {what} after the records)")  # fmt: skip
    return None


def _accuracy_differs(obs: Observations, said: float | None) -> str | None:
    """How the members' accuracy on the observations differs from the run's
    ``utility.train_accuracy``, or ``None``. Both mia-train and mia-attack compute it from
    the observations they write (`released_accuracy`), so masks, labels or outputs edited in
    place (same shapes) show here: one record's answer changed moves it by 1/(K·N/2)."""
    import math

    from mia_defense.pipeline.utility import released_accuracy

    if said is None or not math.isfinite(said):
        return None
    found = released_accuracy(obs, None, None)["train_accuracy"]
    if math.isclose(found, said, rel_tol=1e-9, abs_tol=1e-12):
        return None
    return (f"the members' accuracy on them is {found:.6g}, {said:.6g} in results.json "
            "(utility.train_accuracy): their masks, labels or outputs were changed")  # fmt: skip


# A setting a run's results.json does not state (an older run's, or null: mia-attack's record
# of a file that did not say it).
_UNKNOWN: Any = object()


def _setting(results: dict[str, Any], key: str) -> Any:
    """``config.attack.KEY`` of a run's results.json, `_UNKNOWN` where it does not say."""
    node: Any = (results.get("config") or {}).get("attack")
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _UNKNOWN
        node = node[part]
    return _UNKNOWN if node is None else node


def doubt_claim(
    privacy: dict[str, Any], results: dict[str, Any], path: Path | None = None
) -> None:
    """Carry an ε the source run's own config makes no guarantee (`epsilon_doubt`: shuffled
    batches, gdp, standardised features, a defense of the user's own) as none
    (``epsilon_valid`` false, with the reason), though its results.json says valid (a run of
    before mia-train flagged it, or edited): mia-attack restated it as a guarantee."""
    from mia_defense.report.checks import epsilon_doubt

    doubt = epsilon_doubt({**results, "privacy": privacy})
    if doubt is not None:
        privacy["epsilon_valid"] = False
        privacy["epsilon_invalid_reason"] = (
            f"{doubt} (the run attacked recorded it as valid: written before mia-defense "
            "checked this, or edited)"
        )
        where = "" if path is None else f"{shown_path(path)}: "  # (the source's results.json)
        log.warning("%sthe run's ε is not a guarantee (privacy.epsilon_valid: false): %s",
                    where, doubt)
