"""Study 3: the strongest attack per defense, naive vs adaptive shadows, records vs canaries.

Reads each run's results.json under a sweep root: the strongest attack's TPR at 0.1% and
1% FPR on the regular records (`attacks`) and on the canaries (`slices.NAME.canaries`).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

FPRS = ("tpr@0.1%fpr", "tpr@1%fpr")


def strongest(metrics: dict[str, dict], key: str) -> tuple[float, str]:
    """The largest ``key`` over attacks, and the attack."""
    name = max(metrics, key=lambda n: metrics[n].get(key, -1.0))
    return float(metrics[name].get(key, float("nan"))), name


def main() -> None:
    """Write results.md, results.csv and naive_vs_adaptive.png from the runs under ROOT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    found: dict[str, dict[str, dict]] = {}
    for path in sorted(args.root.glob("*/results.json")):
        result = json.loads(path.read_text())
        if result.get("status") != "complete":
            continue
        defense = result["defense"]["defense"]
        recipe = result["defense"]["shadow_recipe"]
        canaries = {n: s["canaries"] for n, s in result["slices"].items() if "canaries" in s}
        row = {"test_accuracy": result["utility"]["test_accuracy"]}
        for key in FPRS:
            row[f"records.{key}"], row[f"records.{key}.attack"] = strongest(result["attacks"], key)
            row[f"canaries.{key}"], row[f"canaries.{key}.attack"] = strongest(canaries, key)
        found.setdefault(defense, {})[recipe] = row
    order = [
        d
        for d in ("none", "label_smoothing", "mixup", "relaxloss", "advreg", "distillation", "dp")
        if d in found
    ]
    order += sorted(set(found) - set(order))
    args.out.mkdir(parents=True, exist_ok=True)
    columns = ["test_accuracy"] + [
        f"{w}.{k}{s}" for w in ("records", "canaries") for k in FPRS for s in ("", ".attack")
    ]
    with (args.out / "results.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["defense", "shadow_recipe", *columns])
        for defense in order:
            for recipe, row in sorted(found[defense].items()):
                writer.writerow([defense, recipe, *[row[c] for c in columns]])
    lines = [
        "| defense | test acc. | records TPR@0.1%FPR naive → adaptive "
        "| records TPR@1%FPR naive → adaptive | canaries TPR@1%FPR naive → adaptive |",
        "|---|---|---|---|---|",
    ]

    def pair(defense: str, key: str) -> str:
        cells = []
        for recipe in ("undefended", "same"):
            row = found[defense].get(recipe)
            cells.append("–" if row is None else f"{row[key]:.4f} ({row[key + '.attack']})")
        return " → ".join(cells)

    for defense in order:
        acc = next(iter(found[defense].values()))["test_accuracy"]
        lines.append(
            f"| {defense} | {acc:.3f} | {pair(defense, 'records.tpr@0.1%fpr')} | "
            f"{pair(defense, 'records.tpr@1%fpr')} | {pair(defense, 'canaries.tpr@1%fpr')} |"
        )
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=False)
    x = np.arange(len(order))
    for ax, (where, key, title) in zip(
        axes,
        (
            ("records", "tpr@0.1%fpr", "regular records, TPR at 0.1% FPR"),
            ("canaries", "tpr@1%fpr", "canaries, TPR at 1% FPR"),
        ),
        strict=True,
    ):
        for shift, recipe, label in (
            (-0.2, "undefended", "naive (undefended shadows)"),
            (0.2, "same", "adaptive (defended shadows)"),
        ):
            values = [found[d].get(recipe, {}).get(f"{where}.{key}", np.nan) for d in order]
            ax.bar(x + shift, values, width=0.4, label=label)
        ax.set_xticks(x, order, rotation=30, ha="right")
        ax.set_title(title)
        ax.set_ylabel("strongest attack's TPR")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(args.out / "naive_vs_adaptive.png", dpi=120)


if __name__ == "__main__":
    main()
