"""Study 4: read each run's results.json under a sweep root, tabulate and plot TPR@0.1%FPR vs K.

Runs with the same K and different seeds are averaged; the table lists every seed's value.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ATTACKS = ("lira_online", "lira_offline", "rmia")
FPR_KEY = "tpr@0.1%fpr"


def load(root: Path) -> dict[int, list[dict]]:
    """Per K, one row per complete run (seed, test accuracy, each attack's AUC and TPR)."""
    runs: dict[int, list[dict]] = defaultdict(list)
    for path in sorted(root.glob("*/results.json")):
        result = json.loads(path.read_text())
        if result.get("status") != "complete":
            continue
        row = {"seed": result["seed"], "test_accuracy": result["utility"]["test_accuracy"]}
        for name in ATTACKS:
            metrics = result["attacks"].get(name, {})
            row[f"{name}.auc"] = metrics.get("auc", float("nan"))
            row[f"{name}.{FPR_KEY}"] = metrics.get(FPR_KEY, float("nan"))
        runs[int(result["num_models"])].append(row)
    for rows in runs.values():
        rows.sort(key=lambda r: r["seed"])
    return dict(sorted(runs.items()))


def main() -> None:
    """Write results.md, results.csv and tpr_vs_k.png from the runs under ROOT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    runs = load(args.root)
    args.out.mkdir(parents=True, exist_ok=True)
    header = ["K", "seed", "test_accuracy"] + [
        f"{a}.{m}" for a in ATTACKS for m in ("auc", FPR_KEY)
    ]
    with (args.out / "results.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for k, rows in runs.items():
            for row in rows:
                writer.writerow([k] + [row[h] for h in header[1:]])
    seeds = sorted({row["seed"] for rows in runs.values() for row in rows})
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
    note = (
        f"\nSeeds: {', '.join(map(str, seeds))}; AUC and test accuracy are means over the seeds.\n"
    )
    (args.out / "results.md").write_text("\n".join(lines) + "\n" + note)
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
        ax.annotate(
            "K=2: degenerate\n(hollow, see README)",
            (2, 0.0),
            xytext=(2.2, 0.06),
            fontsize=8,
            color="grey",
        )
    ax.axhline(0.001, color="grey", linestyle=":", label="chance (0.1%)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel("models K (each target attacked with the other K-1)")
    ax.set_ylabel("TPR at 0.1% FPR (mean, min-max over seeds)")
    ax.set_title("Attack strength vs reference models (digits)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "tpr_vs_k.png", dpi=120)


if __name__ == "__main__":
    main()
