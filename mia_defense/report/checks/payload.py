"""Whether a report may read a run's results.json at all (`payload_problem`): its status,
version, sections and every figure, by the checks of the modules beside this one."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mia_defense.report.checks._values import _show, _type_name, count_too_large
from mia_defense.report.checks.attack_results import _attacks_problem, _count_problem
from mia_defense.report.checks.doubt import edited
from mia_defense.report.checks.headline import _headline_problem
from mia_defense.report.checks.notes import idle_defenses_problem
from mia_defense.report.checks.privacy import _privacy_problem
from mia_defense.report.checks.provenance import (
    _plan_problem,
    _test_size_problem,
    defense_problem,
)
from mia_defense.report.checks.utility import (
    _chance_floor_problem,
    _chance_share_problem,
    _spread_problem,
    _utility_problem,
)
from mia_defense.tracking import SCHEMA_VERSION, schema_problem
from mia_defense.tracking.artifacts import training_problem

__all__ = ["edited_problem", "payload_problem"]


# Sections a complete run must have, each a JSON object.
_REQUIRED = ("utility", "attacks", "defense")


# Optional sections that, when present, must be JSON objects.
_OPTIONAL = ("privacy", "hparams", "config")


def _sections_problem(payload: Mapping[str, Any]) -> str | None:
    for key in _REQUIRED:
        if key not in payload:
            return f"no {key} section (written by an incompatible version?)"
    for key in (*_REQUIRED, *_OPTIONAL):
        if key in payload and not isinstance(payload[key], Mapping):
            return f"{key} is {_type_name(payload[key])}, not an object"
    return None


def _identity_problem(payload: Mapping[str, Any]) -> str | None:
    """The run's dataset name, seed and model count, which group and label its row, and the
    count of non-member scores its TPRs rest on."""
    dataset = payload.get("dataset")
    if dataset is not None and not isinstance(dataset, str):
        return f"dataset is {_type_name(dataset)} {_show(dataset)}, not a name"
    # (test_size: the count of test records a Wilson interval rests on, an OverflowError
    # traceback at hundreds of digits)
    counts = (("seed", 0), ("num_models", 1), ("nonmember_scores", 0), ("nonmember_records", 0),
              ("test_size", 0), ("num_classes", 1))  # (num_classes: 1/num_classes, chance)
    for key, low in counts:
        value = payload.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            return f"{key} is {_type_name(value)} {_show(value)}, not an integer >= {low}"
        if key != "seed" and count_too_large(key, value):  # counts enter float arithmetic
            return count_too_large(key, value)
    return (_config_seed_problem(payload) or _plan_problem(payload) or _test_size_problem(payload)
            or _count_problem(payload))


def _config_seed_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``config.seed``, which groups a run with its seed replicates (`RunSummary.seed`),
    is no integer >= 0 as mia-train's config check takes, or ``None`` (absent or null):
    1e300 or "x" there was ranked, its runs.csv line reading the ``seed`` beside the
    hyperparameters' ``seed=1e+300``."""
    config = payload.get("config")
    value = config.get("seed") if isinstance(config, Mapping) else None
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return None
    return edited(f"config.seed is {_type_name(value)} {_show(value)}, not an integer >= 0 "
                  "as mia-train writes it")


def _caveat_fields_problem(payload: Mapping[str, Any]) -> str | None:
    """How a field a caveat or the verdict is drawn from is of a type mia-train never writes
    there, or ``None``: its reader reads such a value as nothing to say (absent or null is a
    run of an earlier version, which `notes._unrecorded_note` names), so the run was ranked
    unmarked: ``utility.test_accuracy_models_at_chance`` "3" (3 of 8 models at chance),
    ``data_duplicates`` true, ``data_label_copies`` "x", ``canaries`` "5",
    ``released_labels_only`` "yes", and a ``privacy.no_verdict_reason`` true (a run its
    attacks could not judge) ranked with a verdict."""
    utility, privacy = payload.get("utility"), payload.get("privacy")
    models = payload.get("num_models")
    counts = (("utility.test_accuracy_models_at_chance",
               utility.get("test_accuracy_models_at_chance") if isinstance(utility, Mapping)
               else None, models if isinstance(models, int) else None),
              ("data_duplicates", payload.get("data_duplicates"), None),
              ("canaries", payload.get("canaries"), None))  # fmt: skip
    for key, value, most in counts:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (
                most is not None and value > most):  # fmt: skip
            upto = "" if most is None else f" and <= num_models ({most})"
            return edited(f"{key} is {_type_name(value)} {_show(value)}, not an integer >= "
                          f"0{upto} as mia-train writes it")
        if count_too_large(key, value):
            return count_too_large(key, value)
    columns = payload.get("data_label_copies")
    if columns is not None and not (isinstance(columns, list) and all(
            isinstance(c, str | int) and not isinstance(c, bool) for c in columns)):
        return edited(f"data_label_copies is {_type_name(columns)} {_show(columns)}, not a "
                      "list of column names as mia-train writes it")
    labels = payload.get("released_labels_only")
    if labels is not None and not isinstance(labels, bool):
        return edited(f"released_labels_only is {_type_name(labels)} {_show(labels)}, not "
                      "true or false as mia-train writes it")
    reason = privacy.get("no_verdict_reason") if isinstance(privacy, Mapping) else None
    if reason is not None and not isinstance(reason, str):
        return edited(f"privacy.no_verdict_reason is {_type_name(reason)} {_show(reason)}, "
                      "not a reason: results.json says there, in text, why its attacks could "
                      "not judge the run, and null where they could")
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
# A failed run with nothing there to resume (`failed_on_a_setting`): the same settings fail
# again, and fixed ones are refused in its directory as another config's run.
_SETTING_ADVICE = ("failed on a setting, not ranked: nothing in it to resume; run its command "
                   "with the setting fixed in a new directory, or delete this one first")


def payload_problem(payload: Mapping[str, Any], *, run_dir: Path | None = None) -> str | None:
    """Why the report cannot read a parsed results.json, or ``None`` when it can.

    Checked: ``status`` is ``complete`` (or ``diverged``, which `rank_problem` then names);
    ``schema_version`` is this mia-defense's `SCHEMA_VERSION`; a complete run has
    ``utility``, ``attacks`` and ``defense`` objects, every figure the report reads is a finite
    number (null where JSON stores a NaN) and every fraction lies in [0, 1]. The text says
    what is wrong and what to do, without the file's path; ``run_dir``, the run's folder,
    tells a failed run with nothing to resume (`failed_on_a_setting`) from one to resume.
    """
    from mia_defense.tracking.run_dir import failed_on_a_setting

    status = payload.get("status")
    if status not in ("complete", "diverged"):
        # (a status that is a list or an object is no key of the advice: unhashable)
        advice = _STATUS_ADVICE.get(status, _PARTIAL) if isinstance(status, str) else _PARTIAL
        if run_dir is not None and failed_on_a_setting(run_dir, payload):
            advice = _SETTING_ADVICE
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
    for check in (_sections_problem, _training_problem, _identity_problem, _utility_problem,
                  _privacy_problem, defense_problem, idle_defenses_problem,
                  _caveat_fields_problem):
        problem = check(payload)
        if problem:
            return problem
    return _attacks_problem(
        payload["attacks"], payload.get("strongest_attack"), payload.get("config")
    ) or _headline_problem(payload)


def _training_problem(payload: Mapping[str, Any]) -> str | None:
    """`training_problem` (mia-attack refuses the same record): the run's ``training`` block
    deleted, and with it the caveats of defenses that did not act."""
    problem = training_problem(payload)
    return None if problem is None else (
        f"{problem}, and with it which defenses did not act; put the run's own results.json "
        "back, or rerun the run")  # fmt: skip


def edited_problem(payload: Mapping[str, Any]) -> str | None:
    """How a run's ``test_size``, test accuracy and its std, chance accuracy or headline
    contradict what they are drawn or copied from (`payload_problem`'s checks of a file
    edited after the run, in its order), or ``None``; for mia-attack, which carries these
    facts into its verdict and re-attacked such a run before mia-report skipped its record.
    ``utility`` and ``attacks`` not objects: none of these apply."""
    if not isinstance(payload.get("utility"), Mapping):
        return None
    return (_test_size_problem(payload) or _spread_problem(payload)
            or _chance_floor_problem(payload) or _chance_share_problem(payload)
            or (_headline_problem(payload) if isinstance(payload.get("attacks"), Mapping)
                else None))  # fmt: skip


def _failure(payload: Mapping[str, Any]) -> str:
    """``": Type: message"`` of a failed run (`failure_said`), or ``""``."""
    from mia_defense.tracking.run_dir import failure_said

    said = failure_said(payload)
    return f": {said}" if said else ""
