"""Study 5: accountant ε vs the empirical ε lower bound, on regular records and on canaries.

Reads each run under a sweep root: `results.json` (the accountant's ε, the maximum over the
K models, each model's ε in `privacy.per_model`, δ, and the empirical ε of every attack on
the regular records) and, for the canaries, each attack's
scores (`scores.npz`) and the membership masks (`observations.npz`), whose ROC gives an
empirical ε with the toolkit's own bound (`mia_defense.metrics.empirical_epsilon`).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import matplotlib
import numpy as np

from mia_defense.metrics.epsilon import empirical_epsilon
from mia_defense.metrics.roc import roc_metrics

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def canary_epsilon(
    run: Path, *, delta: float, confidence: float, skip_last: int = 0
) -> tuple[float, str]:
    """The largest empirical ε over the attacks, on the canaries only, and that attack.

    ``skip_last``: the population's last records that are not this audit's canaries (the
    one-run audit's, appended after them)."""
    scores = np.load(run / "scores.npz")
    obs = np.load(run / "observations.npz")
    targets = scores["targets"]
    is_canary = scores["is_canary"].astype(bool)
    if skip_last:
        is_canary[-skip_last:] = False
    truth = obs["masks"][targets][:, is_canary]
    best, best_name = 0.0, "-"
    for key in scores.files:
        if not key.startswith("scores/"):
            continue
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


def main() -> None:
    """Write results.md, results.csv and epsilon.png from the runs under ROOT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = []
    for path in sorted(args.root.glob("*/results.json")):
        result = json.loads(path.read_text())
        if result.get("status") != "complete":
            continue
        privacy = result["privacy"]
        delta = float(privacy.get("delta") or privacy.get("empirical_epsilon_delta"))
        confidence = float(result["config"]["attack"]["confidence"])
        regular = {
            n: a.get("empirical_epsilon", float("nan")) for n, a in result["attacks"].items()
        }
        reg_name = max(regular, key=lambda n: -1 if math.isnan(regular[n]) else regular[n])
        if not regular[reg_name] > 0:
            reg_name = "-"  # no attack bounds ε above 0
        can_eps, can_name = canary_epsilon(path.parent, delta=delta, confidence=confidence)
        per_model = [m["epsilon"] for m in privacy["per_model"]]
        rows.append(
            {
                "target_epsilon": result["config"]["defense"]["dp"]["target_epsilon"],
                "epsilon": privacy["epsilon"],  # the maximum over the K models
                "epsilon_min": min(per_model),
                "models": len(per_model),
                "delta": delta,
                "noise_multiplier": privacy.get("noise_multiplier", float("nan")),
                "test_accuracy": result["utility"]["test_accuracy"],
                "empirical_epsilon": privacy["empirical_epsilon"],
                "empirical_attack": reg_name,
                "canary_empirical_epsilon": can_eps,
                "canary_attack": can_name,
            }
        )
    rows.sort(key=lambda r: r["epsilon"])
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "results.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
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
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    fig, ax = plt.subplots(figsize=(5.5, 4))
    eps = [r["epsilon"] for r in rows]
    ax.plot(eps, eps, color="grey", linestyle=":",
            label="accountant ε (upper bound, max over models)")
    ax.plot(
        eps,
        [r["empirical_epsilon"] for r in rows],
        marker="o",
        label="empirical ε, regular records",
    )
    ax.plot(
        eps,
        [r["canary_empirical_epsilon"] for r in rows],
        marker="s",
        label="empirical ε, canaries",
    )
    ax.set_xscale("log", base=2)
    ax.set_yscale("symlog", linthresh=0.1)  # zeros stay visible; linear below 0.1
    ax.set_ylim(bottom=0)
    ax.set_xlabel("accountant ε (RDP, max over the models)")
    ax.set_ylabel("ε (symlog scale)")
    ax.set_title("DP-SGD audit on digits (95% lower bounds)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "epsilon.png", dpi=120)


if __name__ == "__main__":
    main()
