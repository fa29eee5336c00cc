"""Checks of a run's figures against their copies in its ``headline`` block, which
mia-train and mia-attack write beside them from the same numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mia_defense.report.checks._values import _MISSING, _show, one_line, same_figure

__all__ = ["writer_mark"]


def _headline_problem(payload: Mapping[str, Any]) -> str | None:
    """How a figure differs from its copy in ``headline`` (the scalars mia-train and
    mia-attack write beside them, from the same numbers: ``utility/test_accuracy``,
    ``attack/loss/tpr@0.1%fpr``, ``privacy/epsilon_refuted``...), or ``None``: a figure
    changed or deleted by hand (every attack's TPR at 0.1% FPR lowered to 0, ROC-consistent,
    put the run first on the front as the least leaky) while its copy still held the run's
    own. Files without a headline (a tool of your own) are not checked, unless they say they
    are mia-defense's (`writer_mark`), whose every version wrote one."""
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
        if not same_figure(value, copy):
            return (f"{where} is {_show(value)}, but headline[{_show(key)}], written from it, "
                    f"is {_show(copy)}: a figure was changed after the run; rerun it")
    return _added_attack_problem(payload, headline) or _strongest_headline_problem(
        payload, headline)


def _added_attack_problem(
    payload: Mapping[str, Any], headline: Mapping[str, Any]
) -> str | None:
    """Which attack of ``attacks`` has figures but no copy in a ``headline`` that copies
    attacks' figures (``attack/<name>/<metric>``: the writer copies every attack's), or
    ``None``: an attack added after the run. Measured: an attack ``zzz`` pasted into a tiny
    run's results.json with a TPR at 0.1% FPR of 0.5 (the run measured 0.0083) was read,
    and its 0.5 became the run's leakage in the report (runs.csv's max_tpr@0.1%fpr)."""
    # (attack/<name>/<metric>: a metric holds no "/", a name of your own may)
    copied = {key.removeprefix("attack/").rpartition("/")[0] for key in headline
              if isinstance(key, str) and key.startswith("attack/")}
    if not copied:  # (a tool of your own, or an older writer: nothing to hold attacks to)
        return None
    for name, metrics in payload["attacks"].items():
        figures = [key for key in metrics if isinstance(key, str) and (
            key == "auc" or key.startswith("tpr@"))] if isinstance(metrics, Mapping) else []
        if figures and name not in copied:
            return (f"attacks.{one_line(name, limit=60)} holds figures "
                    f"({', '.join(figures[:3])}), but headline, written beside every attack's "
                    "figures, holds none of them: the attack was added after the run; rerun it")
    return None


# A block only mia-defense's writer (`mia_defense.pipeline.record`) puts in results.json: the
# seconds of each stage, written (since 0cf5cf5) with a ``headline``, which every version
# wrote. (schema_version has been 1 throughout; ``versions`` and ``sha256`` are written by
# tools of your own too, for the software and checkpoint checks.)
_WRITER_MARK = "timings"


def writer_mark(payload: Mapping[str, Any]) -> str | None:
    """`_WRITER_MARK` when ``payload`` holds it as an object, or ``None`` (a file of a tool
    of your own)."""
    return _WRITER_MARK if isinstance(payload.get(_WRITER_MARK), Mapping) else None


def _headline_missing(payload: Mapping[str, Any]) -> str | None:
    """Why a file without a ``headline`` object is edited: it holds the block of mia-defense's
    writer (`_WRITER_MARK`), whose every version writes a headline, so the block was deleted
    (every figure's copy with it, the cross-checks of `_headline_problem` skipped); ``None``
    otherwise."""
    mark = writer_mark(payload)
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
            if not same_figure(value, copy):
                return (f"{field} is {_show(name)}, whose {metric} is {_show(value)}, but "
                        f"headline[{_show(key)}] is {_show(copy)}: the strongest attack was "
                        "changed after the run; rerun it")
    return None
