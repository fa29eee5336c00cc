"""Study 4: read each run's results.json under a sweep root, tabulate and plot TPR@0.1%FPR vs K.

Runs with the same K and different seeds are averaged; the table lists every seed's value, and
the line under it names the seeds of a K that lacks some (a run left out).
A run it cannot use (no results.json, a corrupt or edited one, a failed or diverged run, an
attack's figure missing or NaN) is left out with its reason, printed and listed under the
table; a root without any usable run, or with two runs of one K and seed, is an error
naming the path.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/: study_runs
from study_runs import RERUN, StudyError, Sweep, csv_text, finite, make_out, write_outputs
from study_runs import notes as _notes

from mia_defense.report.checks import rank_problem

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ATTACKS = ("lira_online", "lira_offline", "rmia")
FPR_KEY = "tpr@0.1%fpr"


def _number(value: Any) -> bool:
    """Whether ``value`` is a finite number in [0, 1] (a null is a NaN written to JSON)."""
    return finite(value) and 0 <= value <= 1


def _row(payload: Mapping[str, Any]) -> dict[str, Any] | str:
    """The table row of a readable run (see `payload_problem`), or why it has none."""
    for key in ("seed", "num_models"):
        value = payload.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            return f"no {key} (an integer) in it (edited?); {RERUN}"
    row = {"seed": payload["seed"], "test_accuracy": payload["utility"]["test_accuracy"]}
    for name in ATTACKS:
        metrics = payload["attacks"].get(name)
        if metrics is None:
            return (
                f"no attacks.{name}: the study runs {', '.join(ATTACKS)} (its run.sh drops only "
                f"the others); {RERUN}"
            )
        for key in ("auc", FPR_KEY):
            if not _number(metrics.get(key)):
                shown = json.dumps(metrics[key]) if key in metrics else "missing"
                return (
                    f"attacks.{name}.{key} is {shown}, no figure in [0, 1] (null: a NaN "
                    f"when written; the attack failed); {RERUN}"
                )
            row[f"{name}.{key}"] = metrics[key]
    return row


def load(
    root: Path,
) -> tuple[dict[int, list[dict]], list[tuple[Path, str]], list[tuple[Path, str]]]:
    """Per K, one row per usable run (seed, test accuracy, each attack's AUC and TPR); the
    runs left out and the caveats on kept rows, each as ``(path, reason)`` and printed to
    stderr.

    Raises:
        StudyError: ``root`` is no directory or holds no run, every run was left out, or two
            runs have the same K and seed (the mean over seeds would count one twice).
    """
    runs: dict[int, list[dict]] = defaultdict(list)
    where: dict[tuple[int, int], Path] = {}
    sweep = Sweep(root, name="plot.py", script="experiments/reference_models/run.sh")
    for run, path, payload in sweep.payloads():
        row = _row(payload)
        if isinstance(row, str):
            sweep.leave_out(path, row)
            continue
        key = (int(payload["num_models"]), int(payload["seed"]))
        if key in where:
            raise StudyError(
                f"{root}: two runs of K={key[0]} and seed {key[1]} ({where[key].name} and "
                f"{run.name}); the table averages one run per K and seed: sweep one value of "
                "every other setting per root"
            )
        where[key] = run
        runs[key[0]].append(row)
        note = rank_problem(payload)
        if note:
            sweep.caveat(path, note)
    if not runs:
        raise sweep.nothing_usable()
    for rows in runs.values():
        rows.sort(key=lambda r: r["seed"])
    return dict(sorted(runs.items())), sweep.skipped, sweep.caveats


def notes(root: Path, skipped: list[tuple[Path, str]], caveats: list[tuple[Path, str]]) -> str:
    """The lines under the table naming the runs left out and the caveats, by their paths
    under ``root`` ("" for none)."""
    return _notes(root, skipped, caveats, title="Left out (not in the means)")


def seeds_line(runs: Mapping[int, list[dict]]) -> str:
    """The line under the table naming the seeds; each K whose runs lack some of them (a run
    left out) is named with the seeds it has."""
    seeds = sorted({row["seed"] for rows in runs.values() for row in rows})
    listed = ", ".join(map(str, seeds))
    fewer = [
        f"K={k}: only {', '.join(str(r['seed']) for r in rows)}"
        for k, rows in runs.items()
        if len(rows) < len(seeds)
    ]
    if not fewer:
        return f"Seeds: {listed}; AUC and test accuracy are means over the seeds."
    return (
        f"Seeds: {listed} ({'; '.join(fewer)}); AUC, test accuracy and TPR are means over "
        "each K's seeds."
    )


def main(argv: list[str] | None = None) -> None:
    """Write results.md, results.csv and tpr_vs_k.png from the runs under ROOT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        runs, skipped, caveats = load(args.root)
    except StudyError as exc:
        sys.exit(f"plot.py: error: {exc}")
    try:
        make_out(args.out)
    except StudyError as exc:
        sys.exit(f"plot.py: error: {exc}")
    header = ["K", "seed", "test_accuracy"] + [
        f"{a}.{m}" for a in ATTACKS for m in ("auc", FPR_KEY)
    ]
    table = [header] + [[k] + [row[h] for h in header[1:]] for k, rows in runs.items()
                        for row in rows]  # fmt: skip
    lines = [
        "| K | test acc. | "
        + " | ".join(f"{a} AUC | {a} TPR@0.1%FPR: mean (per seed)" for a in ATTACKS)
        + " |",
        "|---" * (2 + 2 * len(ATTACKS)) + "|",
    ]
    for k, rows in runs.items():
        cells = [str(k), f"{np.mean([r['test_accuracy'] for r in rows]):.3f}"]
        for name in ATTACKS:
            tprs = [r[f"{name}.{FPR_KEY}"] for r in rows]
            cells += [
                f"{np.mean([r[f'{name}.auc'] for r in rows]):.3f}",
                f"{np.mean(tprs):.4f} ({', '.join(f'{t:.4f}' for t in tprs)})",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    note = f"\n{seeds_line(runs)}\n"
    below = notes(args.root, skipped, caveats)
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ks = list(runs)
    # K=2 is degenerate (each record trains exactly one of the two models, so the single
    # reference model's membership is the complement of the target's): drawn apart, unjoined.
    joined = [k for k in ks if k > 2]
    for name in ATTACKS:
        values = {k: [r[f"{name}.{FPR_KEY}"] for r in runs[k]] for k in ks}
        means = np.array([np.mean(values[k]) for k in joined])
        low = means - np.array([np.min(values[k]) for k in joined])
        high = np.array([np.max(values[k]) for k in joined]) - means
        line = ax.errorbar(joined, means, yerr=[low, high], marker="o", capsize=3, label=name)
        if 2 in values:
            ax.plot(
                [2],
                [np.mean(values[2])],
                marker="o",
                fillstyle="none",
                linestyle="none",
                color=line[0].get_color(),
            )
    if 2 in runs:
        # (a legend entry: a note at a fixed TPR of 0.06, above the axes where every TPR is
        # lower, made tight_layout squeeze the axes into a strip and cut off the y label)
        ax.plot(
            [],
            [],
            marker="o",
            fillstyle="none",
            linestyle="none",
            color="grey",
            label="K=2: degenerate (hollow)",
        )
    ax.axhline(0.001, color="grey", linestyle=":", label="chance (0.1%)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel("models K (each target attacked with the other K-1)")
    ax.set_ylabel("TPR at 0.1% FPR (mean, min-max over seeds)")
    ax.set_title("Attack strength vs reference models (digits)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    write_outputs("plot.py", {
        args.out / "results.csv": csv_text(table),
        args.out / "results.md": "\n".join(lines) + "\n" + note + below,
        args.out / "tpr_vs_k.png": fig,
    })  # fmt: skip


if __name__ == "__main__":
    main()
