"""The end-of-run summary of one run: the table mia-train and mia-attack print when a run
ends, and `mia_defense.api.AuditResult.table` returns (the library's, so that the API need
not import the command-line tools)."""

from __future__ import annotations

import math
from typing import Any

from mia_defense.attacks.runner import measured_nothing
from mia_defense.audit import audit_lines
from mia_defense.metrics.epsilon import level_text
from mia_defense.metrics.roc import (
    fpr_key,
    fpr_percent,
    fpr_read_key,
    pooled_only_fprs,
    pooled_only_text,
    read_far_below,
    tied_fprs,
    unresolved_fprs,
)
from mia_defense.pipeline.evaluate import RANDOMIZED_RELEASE_REPEATS, RunResult
from mia_defense.pipeline.utility import judged_accuracy, models_at_chance_note
from mia_defense.report.checks import (
    kept_resamples_note,
    near_chance_note,
    no_strongest,
    randomized_release_note,
    reasons_said_below,
    release_below_chance_note,
)
from mia_defense.report.objectives import stated_no_verdict

__all__ = ["format_table", "measured_nothing_lines"]


def format_table(result: RunResult, fprs: list[float], *, cause: str | None = None) -> str:
    """The end-of-run summary: utility, then each attack's access, AUC and TPR at each FPR,
    then the strongest black-box attack (the verdict) and, apart, the strongest white-box one.
    ``cause``: the likely cause of utility below chance that the caller knows of (mia-train:
    a setting far beyond its usual range, `mia_defense.experiment.below_chance_cause`), said
    on a line of its own under 'UTILITY BELOW CHANCE'."""
    util = result.utility
    lines = [_utility_line(util)]
    said_below = reasons_said_below(result.privacy)
    for key, value in result.privacy.items():
        if key.startswith("epsilon_refuted") or key == RANDOMIZED_RELEASE_REPEATS:
            continue  # said in capitals below the utility (or the verdict), when it is so
        if key in said_below:
            continue  # its reason: in the READ WITH CARE lines its callers print under it
        if key == "no_verdict_reason" and _no_verdict(result) and (
                not result.utility_below_chance):  # fmt: skip
            continue  # said in capitals where the verdict would be
        if key in _VERDICT_CAVEATS and _caveat(result, key) and not (
                result.utility_below_chance or _no_verdict(result)):  # fmt: skip
            continue  # said in capitals under the verdict
        if isinstance(value, bool | str):  # epsilon_valid and its reason, noise_source
            lines.append(f"{key} {value}")
        elif key == "empirical_epsilon" and isinstance(value, int | float):
            lines.append(f"{key} {_epsilon_text(value)}")  # (the strongest bound's cell)
        elif isinstance(value, int | float):  # per_model stays in results.json
            lines.append(f"{key} {value:.4g}")
    lines += audit_lines(result.privacy)  # the one-run audit's bounds (attack.audit)
    if result.privacy.get("epsilon_refuted"):
        lines.append(f"DP CLAIM REFUTED: {result.privacy['epsilon_refuted_reason']}")

    def cell(summary: dict[str, float], key: str) -> str:
        return f"{summary[key]:.3f}{_ci_text(summary, key, 3)}"

    any_ci = any(_ci_text(s, "auc", 3) for s in result.attacks.values())
    level = _ci_level(result)
    headers = ["attack", "access", f"AUC [{level} CI]" if any_ci else "AUC"]
    headers += [f"TPR@{fpr_percent(f)}%FPR" for f in fprs] + ["eps_emp"]
    rows = [
        [name, str(summary.get("access", "outputs")), cell(summary, "auc")]
        + [cell(summary, fpr_key(f)) for f in fprs]
        + [_epsilon_text(summary.get("empirical_epsilon", float("nan")))]
        for name, summary in result.attacks.items()
    ]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    def fmt(row: list[str]) -> str:  # (rstrip: the last column's padding ended lines in spaces)
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        return "  ".join(cells).rstrip()
    lines += [fmt(headers), fmt(["-" * w for w in widths])] + [fmt(row) for row in rows]
    lines += _few_resamples_lines(result)
    lines += _unresolved_lines(result.nonmember_scores, fprs)
    lines += _pooled_lines(result, fprs)
    lines += _tied_lines(result, fprs)
    lines += _read_below_lines(result, fprs)
    lines += measured_nothing_lines(result)
    lowest = min(fprs)
    canaries = {
        n: s["canaries"] for n, s in result.slices.items()
        if "canaries" in s and result.attacks.get(n, {}).get("access") != "weights"
    }
    if canaries:
        best = max(canaries, key=lambda n: canaries[n][fpr_key(lowest)])
        count, records = canaries[best].get("nonmember_scores"), canaries[best]["records"]
        unresolved = f" (TPR at FPR 0 of {count} non-member scores)" if (
            count and unresolved_fprs(count, [lowest])) else ""
        if count and not unresolved and pooled_only_fprs(records, count, [lowest]):
            # (pooled over the targets: a canary's scores are not independent draws)
            unresolved = (f" (of {count} non-member scores of at most {records} canaries, "
                          "fewer than 1/FPR: one canary can make up the whole FPR)")
        lines.append(
            f"canaries ({canaries[best]['records']} records): strongest {best}, TPR@"
            f"{fpr_percent(lowest)}%FPR {canaries[best][fpr_key(lowest)]:.3f}{unresolved}, "
            f"AUC {canaries[best]['auc']:.3f}"
        )
        if canaries[best].get("weak"):
            lines.append(f"  (canaries: {canaries[best]['weak']})")
    if result.utility_below_chance:
        what, accuracy = judged_accuracy(util)
        said = (f"UTILITY BELOW CHANCE: {what} accuracy {accuracy:.3f} is not above the "
                f"majority class's {util['chance_accuracy']:.3f}")  # fmt: skip
        # the release (heavy noise), not the training, destroyed it: said under the line
        released = release_below_chance_note(util, result.defense.get("release"))
        destroyed = [f"UTILITY DESTROYED BY THE RELEASE: {released}"] if released else []
        if cause:
            destroyed.insert(0, f"LIKELY CAUSE: {cause}")
        one_class = util["chance_accuracy"] >= 1  # (no model can beat a one-class test set)
        learned = ("the test set holds one class: raise plan.test_size to measure the "
                   "utility" if one_class else "the model memorised its members without "
                   "learning the task")  # fmt: skip
        if result.privacy.get("leak_without_utility") is True:
            lines.append(f"{said}, yet MEMBERSHIP LEAKS: not private ({learned}; privacy."
                         "leak_without_utility_reason says how much)")  # fmt: skip
            return "\n".join(lines + destroyed)
        why = ("the test set holds one class, which no model can beat: raise plan.test_size"
               if one_class else "the model learned nothing, or the labels are not the "
               "outputs', so a low attack success says nothing about privacy")  # fmt: skip
        lines.append(f"{said}; no privacy verdict for this run ({why})")
        return "\n".join(lines + destroyed)
    reason = _no_verdict(result)
    if reason:  # (a blown-up training, targets of one kind of record: the line under the
        # table read 'strongest attack at 0.1% FPR: ... (TPR 0.0000)', a private model's)
        lines.append(f"NO PRIVACY VERDICT: {reason}")
        return "\n".join(lines)
    key = fpr_key(lowest)
    if result.strongest_attack is None:
        lines.append("no black-box attack ran: no privacy verdict for this run")
    for label, name in (("strongest attack", result.strongest_attack),
                        ("strongest white-box attack", result.strongest_white_box_attack)):
        if name is None:
            continue
        best = result.attacks[name]
        ci = _ci_text(best, key, 4)
        if best[key] == 0:  # (the most, so every one is at 0: crowning one of them read as
            # a verdict, and the pick among the tied looked arbitrary; runner.strongest's rule)
            kind = "white-box" if "white-box" in label else "black-box"
            none = no_strongest(name, kind=kind, ci=f" ({level} CI{ci})" if ci else "")
            lines.append(f"{label} at {fpr_percent(lowest)}% FPR: {none}")
            continue
        lines.append(f"{label} at {fpr_percent(lowest)}% FPR: {name} (TPR {best[key]:.4f}"
                     f"{f', {level} CI{ci}' if ci else ''})")  # fmt: skip
    if result.strongest_white_box_attack is not None:
        lines.append("(white-box attacks read the weights, which no release lets out: they "
                     "never decide the verdict)")
    # (the log's warning, said before the table, scrolled away under it: 4 of 8 models at
    # chance at train.lr=0.2 on digits, and the table's verdict alone read as any run's)
    at_chance = models_at_chance_note(util, result.num_models)
    if at_chance is not None:
        lines.append(f"SOME MODELS AT CHANCE: {at_chance}")
    # (the log's warning only: breast_cancer's 143 test records, a DP model at 0.633 against
    # chance 0.601, ended in 'strongest attack ... TPR 0.0012', a private model's verdict)
    near = near_chance_note({"utility": util, "test_size": result.test_size,
                             "defense": result.defense})  # fmt: skip
    if near is not None:
        lines.append(f"NEAR CHANCE: {near}")
    # (above the table, in lower case, they scrolled away: the verdict under it read as any
    # run's, an attack of inverted scores 'TPR 0.0025', masks of other models a private one)
    lines += [f"{label}: {_caveat(result, key)}" for key, label in _VERDICT_CAVEATS.items()
              if _caveat(result, key)]  # fmt: skip
    queried = randomized_release_note(result.defense.get("release"),
                                      result.privacy.get(RANDOMIZED_RELEASE_REPEATS))
    if queried is not None:  # (the verdict's threat model: how often the attacker asked)
        lines.append(f"RANDOMIZED RELEASE: {queried}")
    return "\n".join(lines)


# results.json's ``privacy`` reasons that a verdict's figures may understate the leak, and the
# words their warnings say them in (pipeline.evaluate, api: the same capitals)
_VERDICT_CAVEATS = {
    "attacks_inverted": "INVERTED ATTACK SCORES",
    "white_box_attacks_inverted": "INVERTED WHITE-BOX ATTACK SCORES",
    "masks_suspect": "MASKS SUSPECT",
    "masks_unbalanced": "MASKS UNBALANCED",
    "outputs_saturated": "SATURATED OUTPUTS",
}


def _epsilon_text(value: float) -> str:
    """An empirical ε bound as the table's eps_emp column and the empirical_epsilon line above
    it print it (that line read 2.467, 1.8, 0.02516 or 0 beside the column's 2.47)."""
    return f"{value:.2f}"


def _utility_line(util: dict[str, Any]) -> str:
    """The table's first line. Observations without test outputs (mia-attack on a file,
    `api.audit` of arrays without ``test_outputs``) leave the test figures NaN (null in
    results.json): said in words, not as 'test accuracy nan (... gap nan ...)', which reads
    as a broken run."""
    test = util.get("test_accuracy")
    if test is None or math.isnan(float(test)):
        return (f"test accuracy: not measured (train {_figure(util, 'train_accuracy')}, "
                f"chance {_figure(util, 'chance_accuracy')}): the observations hold no test "
                "outputs; for it, give them (observations_from_arrays' test_outputs and "
                "test_labels, a file's test_log_probs and test_labels), or attack a mia-train "
                "run's directory rather than its observations.npz")
    return (f"test accuracy {test:.3f} (train {_figure(util, 'train_accuracy')}, "
            f"gap {_figure(util, 'generalization_gap')}, "
            f"chance {_figure(util, 'chance_accuracy')})")


def _figure(util: dict[str, Any], key: str) -> str:
    """``util[key]`` to 3 decimals ('nan' for a null one: a TypeError otherwise)."""
    value = util.get(key)
    return f"{float('nan') if value is None else value:.3f}"


def _caveat(result: RunResult, key: str) -> str | None:
    """The run's ``privacy[key]`` reason (`_VERDICT_CAVEATS`), ``None`` where absent."""
    reason = result.privacy.get(key)
    return reason if isinstance(reason, str) and reason.strip() else None


def _no_verdict(result: RunResult) -> str | None:
    """results.json's ``privacy.no_verdict_reason`` (the run's training blew up, or its
    targets hold one kind of record: the attacks could not judge), ``None`` where absent:
    read as the objectives read it (`stated_no_verdict`)."""
    return stated_no_verdict({"privacy": result.privacy})


def _ci_level(result: RunResult) -> str:
    """The level of the attacks' intervals as the table names it, ``95%`` by default:
    attack.confidence=0.5 gave 50% intervals under an "AUC [95% CI]" header."""
    levels = {r.intervals.confidence for r in result.attack_results.values()
              if r.intervals is not None}  # fmt: skip
    return level_text(levels.pop()) if len(levels) == 1 else "95%"


def _few_resamples_lines(result: RunResult) -> list[str]:
    """A line under the table when its intervals rest on too few resamples for their level,
    drawn or kept (`kept_resamples_note`, mia-report's rule): attack.bootstrap=2 printed
    '0.853 [0.870, 0.883]' under 'AUC [95% CI]', its warning logged above the table, out of
    sight; attack.bootstrap=200 of which 150 drew one kind of record (rest on 50) no line."""
    drawn: dict[tuple[int, float], dict[str, int]] = {}
    for name, r in result.attack_results.items():
        if r.intervals is not None:
            kept = drawn.setdefault((r.intervals.num_resamples, r.intervals.confidence), {})
            kept[name] = r.intervals.one_class_resamples
    notes = [kept_resamples_note(count, left_out, level)
             for (count, level), left_out in sorted(drawn.items())]
    return [f"FEW RESAMPLES: {note[1]}" for note in dict.fromkeys(notes) if note]


def _ci_text(summary: dict[str, Any], key: str, digits: int) -> str:
    """`` [low, high]``, the 95% interval of ``summary[key]``; empty where there is none
    (``attack.bootstrap=0`` records NaN bounds)."""
    low, high = summary.get(f"{key}_ci_low"), summary.get(f"{key}_ci_high")
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (low, high)):
        return ""
    return f" [{low:.{digits}f}, {high:.{digits}f}]"


def _strongest_tied(result: RunResult, fprs: list[float]) -> tuple[int, list[float]]:
    """The strongest attack's ``nonmember_top_ties`` and the FPRs of ``fprs`` those tied
    scores leave unresolved (`tied_fprs`; ``[]`` without a count or ties)."""
    count, name = result.nonmember_scores, result.strongest_attack
    ties = result.attacks.get(name, {}).get("nonmember_top_ties") if name else None
    if not count or not ties:
        return 0, []
    return ties, tied_fprs(ties, count, fprs)


def _tied_lines(result: RunResult, fprs: list[float]) -> list[str]:
    """A note under the table when the strongest attack's TPR columns sit at FPRs below the
    share of non-member scores tied at its highest one (``nonmember_top_ties``), where the
    count of scores alone resolves them (else `_unresolved_lines` says it). The cause it
    names is the attack's own setting where one ties its scores (``tie_causes``: rmia's
    num_z), else coarse released outputs."""
    count, name = result.nonmember_scores, result.strongest_attack
    ties, tied = _strongest_tied(result, fprs)
    if not tied:
        return []
    shown = ", ".join(f"TPR@{fpr_percent(f)}%FPR" for f in tied)
    own = result.tie_causes.get(name) if name else None
    cause, fix = ((own[0], f"set {own[1]}") if own else (
        "coarse released outputs give few distinct scores",
        "raise plan.num_models or plan.population_size"))  # fmt: skip
    return [
        f"NOTE: {ties} of the {count} non-member scores share {name}'s highest one (an FPR "
        f"of {100 * ties / count:.2g}%): for {shown} the TPR is the TPR at FPR 0 of these "
        f"tied scores ({cause}); compare at a higher FPR, or {fix}"
    ]


def _read_below_lines(result: RunResult, fprs: list[float]) -> list[str]:
    """A note under the table when some attack's TPR columns are read at an FPR below half
    theirs (results.json's ``fpr_read@...``, `read_far_below`): a step of tied scores spans
    the FPR, and the TPR read below it is no figure at it (release=label_only at
    plan.num_models=4: lira_online's TPR@10%FPR 0.051, read at FPR 2.9%, below chance at an
    AUC of 0.520). Columns `_unresolved_lines` or `_tied_lines` already name are left out."""
    count, strongest = result.nonmember_scores, result.strongest_attack
    if not count:
        return []
    said = _strongest_tied(result, fprs)[1]
    found, own = [], []  # own: (cause, fix) of an attack whose setting ties it (rmia's num_z)
    for name, summary in result.attacks.items():
        read = {f: summary.get(fpr_read_key(f)) for f in fprs}
        by_read: dict[float, list[str]] = {}  # the FPR read -> the columns read there
        for f, at in read_far_below(read, count, fprs):
            if not (name == strongest and f in said):
                by_read.setdefault(at, []).append(f"{fpr_percent(f)}%")
        if by_read:
            shown = ", ".join(f"{'/'.join(columns)} -> {100 * at:.2g}%"
                              for at, columns in by_read.items())  # fmt: skip
            found.append(f"{name} {shown}")
            own += [result.tie_causes[name]] if name in result.tie_causes else []
    if not found:
        return []
    # (as `_tied_lines` names it: the columns alone did not say which setting to change)
    settings = "".join(f"; or set {fix} ({cause})" for cause, fix in own)
    return [
        "NOTE: tied scores span the FPR of these TPR columns, so their TPR is read where the "
        "tied scores start, at an FPR below half the column's (column -> FPR read): "
        f"{'; '.join(found)}; there the TPR is not a figure at the column's FPR (one below "
        "that FPR is no sign of an attack worse than chance); compare at another FPR "
        f"(attack.fprs) or by the AUC{settings}"
    ]


def measured_nothing_lines(result: RunResult) -> list[str]:
    """A note under the table naming the attacks that gave each target's judged records one
    score (`measured_nothing`): their rows (the entropy of one-hot outputs under
    release=label_only: AUC 0.500, TPR 0.000) read as an attack that found no leak, the
    warning that says otherwise logged above the table. TensorBoard's summary card carries
    it under its attack table too (`mia_defense.pipeline.record`)."""
    names = [name for name, r in result.attack_results.items()
             if name in result.attacks and measured_nothing(r, result.judged)]  # fmt: skip
    if not names:
        return []
    whose = "its figures" if len(names) == 1 else "their figures"
    return [
        f"NOTE: {', '.join(names)} gave each target's records one score, which measures no "
        f"leak (it ranks whole models, not members): {whose} never decide the verdict"
    ]


def _pooled_lines(result: RunResult, fprs: list[float]) -> list[str]:
    """A note under the table when its TPR columns sit at FPRs the pooled non-member scores
    resolve but the distinct records they are of do not (`pooled_only_fprs`)."""
    count, records = result.nonmember_scores, result.nonmember_records
    pooled = pooled_only_fprs(records, count, fprs) if count and records else []
    if not pooled:
        return []
    population = None if result.judged is None else int(result.judged.sum())
    return [f"NOTE: the {pooled_only_text(count, records, pooled, population=population)}"]


def _unresolved_lines(nonmember_scores: int | None, fprs: list[float]) -> list[str]:
    """A note under the table when its TPR columns sit at FPRs the scores cannot resolve."""
    unresolved = unresolved_fprs(nonmember_scores, fprs) if nonmember_scores else []
    if not unresolved:
        return []
    shown = ", ".join(f"TPR@{fpr_percent(f)}%FPR" for f in unresolved)
    return [
        f"NOTE: only {nonmember_scores} non-member scores, fewer than 1/FPR for {shown}: "
        f"there the TPR is the TPR at FPR 0 of these scores (about FPR "
        f"{100 / nonmember_scores:.3g}% on fresh data); raise plan.population_size or "
        "attack.num_targets"
    ]
