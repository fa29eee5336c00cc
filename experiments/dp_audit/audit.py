"""Study 5: accountant ε vs the empirical ε lower bound, on regular records and on canaries.

Reads each run under a sweep root: `results.json` (the accountant's ε, the maximum over the
K models, each model's ε in `privacy.per_model`, δ, and the empirical ε of every attack on
the regular records) and, for the canaries, each attack's
scores (`scores.npz`) and the membership masks (`observations.npz`), whose ROC gives an
empirical ε with the toolkit's own bound (`mia_defense.metrics.empirical_epsilon`).
A run it cannot use (no results.json, a corrupt or edited one, a failed or diverged run, no
DP claim, a missing or corrupt .npz) is left out with its reason, printed and listed under
the table; a root without any usable run, or with two runs of one target ε, is an error
naming the path.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/: study_runs
from study_runs import (
    RERUN,
    StudyError,
    Sweep,
    csv_text,
    figure,
    finite,
    make_out,
    nested,
    notes,
    write_outputs,
)

from mia_defense.errors import DataError
from mia_defense.metrics.epsilon import empirical_epsilon
from mia_defense.metrics.roc import roc_metrics
from mia_defense.report.checks import rank_problem
from mia_defense.report.table import read_arrays

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def canary_epsilon(
    run: Path, *, delta: float, confidence: float, skip_last: int = 0
) -> tuple[float, str]:
    """The largest empirical ε over the attacks, on the canaries only, and that attack.

    ``skip_last``: the population's last records that are not this audit's canaries (the
    one-run audit's, appended after them).

    Raises:
        DataError: scores.npz or observations.npz is missing or corrupt, or they do not
            match (the message names the file).
    """
    path = run / "scores.npz"
    names = ["targets", "is_canary", *_score_names(path)]
    scores = read_arrays(path, names)
    masks = read_arrays(run / "observations.npz", ["masks"])["masks"]
    targets = scores["targets"]
    is_canary = scores["is_canary"].astype(bool)
    if skip_last:
        is_canary[-skip_last:] = False
    try:
        truth = masks[targets][:, is_canary]
    except (IndexError, ValueError, TypeError) as exc:
        raise DataError(
            f"{path}: its targets and is_canary do not match observations.npz's masks "
            f"(shape {masks.shape}: {exc}); the run's files are not the ones it wrote"
        ) from None
    best, best_name = 0.0, "-"
    for key in names[2:]:
        if scores[key].shape != (len(targets), len(is_canary)):
            raise DataError(
                f"{path}: {key} has shape {scores[key].shape}, not [targets, N] = "
                f"[{len(targets)}, {len(is_canary)}]; the run's files are not the ones it wrote"
            )
        metrics = roc_metrics(scores[key][:, is_canary], truth)
        eps = empirical_epsilon(
            metrics.fpr,
            metrics.tpr,
            num_members=int(truth.sum()),
            num_nonmembers=int((~truth).sum()),
            delta=delta,
            confidence=confidence,
        )
        if eps > best:
            best, best_name = eps, key.removeprefix("scores/")
    return best, best_name


def _score_names(path: Path) -> list[str]:
    """The attacks' score arrays (``scores/NAME``) in scores.npz at ``path``."""
    read_arrays(path, ["targets"])  # (a missing, special or corrupt file: named)
    try:
        with np.load(path, allow_pickle=False) as data:
            return [name for name in data.files if name.startswith("scores/")]
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: corrupt or not an .npz archive ({exc})") from None


def _row(run: Path, result: Mapping[str, Any]) -> dict[str, Any] | str:
    """One run's figures, or why it has none."""
    privacy = result.get("privacy")
    epsilon = nested(result, "privacy", "epsilon")
    if not finite(epsilon):
        return (
            f"privacy.epsilon is {json.dumps(epsilon)}, no accountant's ε: not a DP-SGD run "
            f"(the study sweeps defense.dp.target_epsilon); {RERUN}"
        )
    delta = privacy.get("delta") or privacy.get("empirical_epsilon_delta")
    confidence = nested(result, "config", "attack", "confidence")
    target = nested(result, "config", "defense", "dp", "target_epsilon")
    per_model = privacy.get("per_model")
    for key, value, good in (
        ("privacy.delta", delta, finite(delta) and 0 < delta < 1),
        ("config.attack.confidence", confidence, finite(confidence) and 0 < confidence < 1),
        ("config.defense.dp.target_epsilon", target, finite(target) and target > 0),
        ("privacy.per_model", per_model, isinstance(per_model, list) and per_model and all(
            finite(nested(m, "epsilon")) for m in per_model)),
    ):  # fmt: skip
        if not good:
            return f"{key} is {json.dumps(value)[:80]}, not what DP-SGD writes (edited?); {RERUN}"
    figures = {
        key: figure(value)
        for key, value in (
            ("noise_multiplier", privacy.get("noise_multiplier")),
            ("test_accuracy", nested(result, "utility", "test_accuracy")),
            ("empirical_epsilon", privacy.get("empirical_epsilon")),
        )
    }
    regular = {n: figure(nested(a, "empirical_epsilon")) for n, a in result["attacks"].items()}
    for key, value in [*figures.items(), *((f"attacks.{n}.empirical_epsilon", v)
                                           for n, v in regular.items())]:  # fmt: skip
        if value is None:
            return f"{key} is no number (edited?); {RERUN}"
    reg_name = max(regular, key=lambda n: -1 if math.isnan(regular[n]) else regular[n],
                   default="-")  # fmt: skip
    if reg_name == "-" or not regular[reg_name] > 0:
        reg_name = "-"  # no attack bounds ε above 0
    try:
        can_eps, can_name = canary_epsilon(run, delta=delta, confidence=confidence)
    except DataError as exc:
        return f"{exc}; {RERUN}"
    per_model = [m["epsilon"] for m in per_model]
    return {
        "target_epsilon": target,
        "epsilon": epsilon,  # the maximum over the K models
        "epsilon_min": min(per_model),
        "models": len(per_model),
        "delta": float(delta),
        "noise_multiplier": figures["noise_multiplier"],
        "test_accuracy": figures["test_accuracy"],
        "empirical_epsilon": figures["empirical_epsilon"],
        "empirical_attack": reg_name,
        "canary_empirical_epsilon": can_eps,
        "canary_attack": can_name,
    }


def load(root: Path) -> tuple[list[dict[str, Any]], Sweep]:
    """The rows of the runs under ``root``, sorted by ε, and the sweep (its runs left out
    and caveats, printed to stderr).

    Raises:
        StudyError: ``root`` is no directory or holds no run, every run was left out, or two
            runs have the same target ε (the table and chart have one row per target ε).
    """
    sweep = Sweep(root, name="audit.py", script="experiments/dp_audit/run.sh")
    rows = []
    where: dict[float, Path] = {}
    for run, path, result in sweep.payloads():
        row = _row(run, result)
        if isinstance(row, str):
            sweep.leave_out(path, row)
            continue
        target = row["target_epsilon"]
        if target in where:
            raise StudyError(
                f"{root}: two runs of target ε {target:g} ({where[target].name} and "
                f"{run.name}); the table has one row per target ε: sweep one value of every "
                "other setting per root"
            )
        where[target] = run
        rows.append(row)
        note = rank_problem(result)
        if note:
            sweep.caveat(path, note)
    if not rows:
        raise sweep.nothing_usable()
    rows.sort(key=lambda r: r["epsilon"])
    return rows, sweep


def main(argv: list[str] | None = None) -> None:
    """Write results.md, results.csv and epsilon.png from the runs under ROOT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        rows, sweep = load(args.root)
    except StudyError as exc:
        sys.exit(f"audit.py: error: {exc}")
    try:
        make_out(args.out)
    except StudyError as exc:
        sys.exit(f"audit.py: error: {exc}")
    lines = [
        f"| target ε | accountant ε (max over {rows[0]['models']} models) | min | δ (max) | σ | "
        "test acc. | empirical ε (records) | attack | empirical ε (canaries) | attack |",
        "|---" * 10 + "|",
    ]
    for r in rows:
        lines.append(
            f"| {r['target_epsilon']} | {r['epsilon']:.3f} | {r['epsilon_min']:.3f} | "
            f"{r['delta']:.0e} | "
            f"{r['noise_multiplier']:.3f} | {r['test_accuracy']:.3f} | "
            f"{r['empirical_epsilon']:.3f} | {r['empirical_attack']} | "
            f"{r['canary_empirical_epsilon']:.3f} | {r['canary_attack']} |"
        )
    below = notes(args.root, sweep.skipped, sweep.caveats, title="Left out (no row)")
    fig, ax = plt.subplots(figsize=(5.5, 4))
    eps = [r["epsilon"] for r in rows]
    ax.plot(eps, eps, color="grey", linestyle=":",
            label="accountant ε (upper bound, max over models)")
    ax.plot(
        eps,
        [r["empirical_epsilon"] for r in rows],
        marker="o",
        label="empirical ε, regular records (largest over the attacks)",
    )
    ax.plot(
        eps,
        [r["canary_empirical_epsilon"] for r in rows],
        marker="s",
        label="empirical ε, canaries (largest over the attacks)",
    )
    ax.set_xscale("log", base=2)
    ax.set_yscale("symlog", linthresh=0.1)  # zeros stay visible; linear below 0.1
    ax.set_ylim(bottom=0)
    ax.set_xlabel("accountant ε (RDP, max over the models)")
    ax.set_ylabel("ε (symlog scale)")
    # each attack's bound holds at 95%; the largest of them, picked after the fact, does not
    # (the DP-claim check, mia_defense.pipeline.claim, corrects it over the attacks)
    ax.set_title("DP-SGD audit on digits: the largest of the attacks'\n"
                 "95% lower bounds (not corrected for the choice)", fontsize=10)
    ax.legend()
    fig.tight_layout()
    header = list(rows[0])
    write_outputs("audit.py", {
        args.out / "results.csv": csv_text([header, *([r[k] for k in header] for r in rows)]),
        args.out / "results.md": "\n".join(lines) + "\n" + below,
        args.out / "epsilon.png": fig,
    })  # fmt: skip


if __name__ == "__main__":
    main()
