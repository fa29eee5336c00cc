"""Study 5b: the one-run audit against the accountant's ε and today's K-model bound.

Reads each run under ROOT (`results.json`, `audit.npz`, `scores.npz`, `observations.npz`)
and writes `one_run.md`, `one_run.csv` and `one_run.png`:

- the accountant's ε (`privacy.epsilon`, the maximum over the K models) and δ;
- today's bound: the K-model empirical ε (`mia_defense.metrics.empirical_epsilon`), the
  larger of the regular records' (`privacy.empirical_epsilon`) and the 100 balanced
  canaries' (`audit.canary_epsilon`, the one-run audit's canaries left out);
- the one-run bounds (`privacy.audit`): black-box (input canaries) and white-box (Dirac
  gradient canaries, the auditor knowing the other records' gradients), and the white-box
  bound of an auditor who does not (the sum of the noisy coordinate over the steps, from
  `audit.npz`, recomputed here with the same bound).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import matplotlib
import numpy as np
from audit import canary_epsilon

from mia_defense.metrics.one_run_audit import one_run_bound

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def row(path: Path) -> dict[str, object]:
    """One run's figures."""
    result = json.loads(path.read_text())
    privacy, config = result["privacy"], result["config"]
    audit, run = privacy["audit"], path.parent
    delta, confidence = audit["delta"], audit["confidence"]
    records = privacy["empirical_epsilon"]
    canaries, _ = canary_epsilon(run, delta=delta, confidence=confidence,
                                 skip_last=config["attack"]["audit_canaries"])  # fmt: skip
    arrays = np.load(run / "audit.npz")
    unknown = one_run_bound(arrays["white_box/sums"], arrays["white_box/included"],
                            delta=delta, confidence=confidence)  # fmt: skip
    white, black = audit["white_box"], audit["black_box"]
    return {
        "seed": result["seed"],
        "target_epsilon": config["defense"]["dp"]["target_epsilon"],
        "epsilon": privacy["epsilon"],
        "delta": delta,
        "noise_multiplier": privacy["noise_multiplier"],
        "test_accuracy": result["utility"]["test_accuracy"],
        "today_records": records,
        "today_canaries": canaries,
        "today": max(records, canaries),
        "black_box": black["epsilon"],
        "black_box_guesses": f"{black['correct']}/{black['guesses']} of {black['canaries']}",
        "white_box": white["epsilon"],
        "white_box_guesses": f"{white['correct']}/{white['guesses']} of {white['canaries']}",
        "white_box_sum": unknown.epsilon,
        "wall_seconds": result["wall_seconds"],
    }


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| seed | target ε | δ | accountant ε | σ | test acc. | today (records / canaries) | "
        "one-run black-box | guesses right | one-run white-box | guesses right | "
        "white-box, data gradients unknown | run (s) |",
        "|---" * 13 + "|",
    ]
    for r in rows:
        lines.append(
            f"| {r['seed']} | {r['target_epsilon']} | {r['delta']:.0e} | {r['epsilon']:.3f} | "
            f"{r['noise_multiplier']:.3f} | {r['test_accuracy']:.3f} | {r['today']:.3f} "
            f"({r['today_records']:.3f} / {r['today_canaries']:.3f}) | {r['black_box']:.3f} | "
            f"{r['black_box_guesses']} | **{r['white_box']:.3f}** | {r['white_box_guesses']} | "
            f"{r['white_box_sum']:.3f} | {r['wall_seconds']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def chart(rows: list[dict[str, object]], out: Path) -> None:
    fig, ax = plt.subplots(figsize=(5.5, 4))
    eps = [r["epsilon"] for r in rows]
    ax.plot(eps, eps, color="grey", linestyle=":", label="accountant ε (upper bound)")
    for key, marker, label in (
        ("white_box", "o", "one-run, white-box (Dirac gradient canaries)"),
        ("white_box_sum", "v", "one-run, white-box, data gradients unknown"),
        ("black_box", "s", "one-run, black-box (input canaries)"),
        ("today", "x", "today: K-model audit (records, canaries)"),
    ):
        ax.plot(eps, [r[key] for r in rows], marker=marker, label=label)
    ax.set_xscale("log", base=2)
    ax.set_xticks(eps, [f"{e:.0f}" for e in eps])
    ax.set_xlabel("accountant ε (RDP, max over the 16 models), δ = 1e-6")
    ax.set_ylabel("ε lower bound (95%)")
    ax.set_title("DP-SGD on digits: one-run audit vs the accountant")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def main() -> None:
    """Write one_run.md, one_run.csv and one_run.png from the runs under ROOT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    runs = {
        group: sorted(
            (row(p) for p in (args.root / group).glob("**/results.json")
             if json.loads(p.read_text()).get("status") == "complete"),
            key=lambda r: (r["epsilon"], r["seed"]),
        )
        for group in ("delta_1e-6", "seeds", "default_delta")
    }  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    rows = runs["delta_1e-6"] + runs["seeds"] + runs["default_delta"]
    with (args.out / "one_run.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (args.out / "one_run.md").write_text(table(rows))
    chart(runs["delta_1e-6"], args.out / "one_run.png")


if __name__ == "__main__":
    main()
