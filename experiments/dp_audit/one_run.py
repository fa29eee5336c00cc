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

A run it cannot use (no results.json, a corrupt or edited one, a failed or diverged run, no
one-run audit, a missing or corrupt .npz) is left out with its reason, printed and listed
under the table; a root without any usable run is an error naming the path.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/: study_runs
sys.path.insert(0, str(Path(__file__).resolve().parent))  # audit.py
from audit import canary_epsilon
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
from mia_defense.metrics.one_run_audit import one_run_bound
from mia_defense.report.table import read_arrays

matplotlib.use("Agg")
import matplotlib.pyplot as plt

GROUPS = ("delta_1e-6", "seeds", "default_delta")
# The row's figures (a null one, a NaN when written, shows as nan).
FIGURES = ("epsilon", "noise_multiplier", "test_accuracy", "today_records", "black_box",
           "white_box", "wall_seconds")  # fmt: skip


def row(run: Path, result: Mapping[str, Any]) -> dict[str, object] | str:
    """One run's figures, or why it has none."""
    audit = nested(result, "privacy", "audit")
    if not isinstance(audit, Mapping):
        return (
            "no privacy.audit: not a one-run audit (one_run.sh runs its sweeps with "
            f"attack.audit=one_run); {RERUN}"
        )
    delta, confidence = audit.get("delta"), audit.get("confidence")
    skip = nested(result, "config", "attack", "audit_canaries")
    seed = result.get("seed")
    for key, value, good in (
        ("privacy.audit.delta", delta, finite(delta) and 0 < delta < 1),
        ("privacy.audit.confidence", confidence, finite(confidence) and 0 < confidence < 1),
        ("config.attack.audit_canaries", skip, isinstance(skip, int) and skip >= 0),
        ("seed", seed, isinstance(seed, int)),
    ):
        if not good or isinstance(value, bool):
            return f"{key} is {json.dumps(value)[:80]}, not what a run writes (edited?); {RERUN}"
    privacy, run_path = result["privacy"], run
    try:
        white, black = audit["white_box"], audit["black_box"]
        figures = {
            "epsilon": privacy["epsilon"],
            "noise_multiplier": privacy["noise_multiplier"],
            "test_accuracy": result["utility"]["test_accuracy"],
            "today_records": privacy["empirical_epsilon"],
            "black_box": black["epsilon"],
            "white_box": white["epsilon"],
            "wall_seconds": result["wall_seconds"],
        }
        guesses = {
            name: f"{part['correct']}/{part['guesses']} of {part['canaries']}"
            for name, part in (("black_box", black), ("white_box", white))
        }
        target = result["config"]["defense"]["dp"]["target_epsilon"]
    except (KeyError, TypeError) as exc:
        return f"no {exc} in its privacy, utility or config (edited?); {RERUN}"
    for key in FIGURES:
        figures[key] = figure(figures[key])
        if figures[key] is None:
            return f"its {key} is no number (edited?); {RERUN}"
    try:
        canaries, _ = canary_epsilon(run_path, delta=delta, confidence=confidence,
                                     skip_last=skip)  # fmt: skip
        arrays = read_arrays(run_path / "audit.npz", ["white_box/sums", "white_box/included"])
        unknown = one_run_bound(arrays["white_box/sums"], arrays["white_box/included"],
                                delta=delta, confidence=confidence)  # fmt: skip
    except DataError as exc:
        return f"{exc}; {RERUN}"
    except (ValueError, IndexError, TypeError) as exc:
        return (
            f"{run_path / 'audit.npz'}: its white_box arrays do not fit ({exc}); the run's "
            f"files are not the ones it wrote; {RERUN}"
        )
    return {
        "seed": seed,
        "target_epsilon": target,
        "epsilon": figures["epsilon"],
        "delta": delta,
        "noise_multiplier": figures["noise_multiplier"],
        "test_accuracy": figures["test_accuracy"],
        "today_records": figures["today_records"],
        "today_canaries": canaries,
        "today": max(figures["today_records"], canaries),
        "black_box": figures["black_box"],
        "black_box_guesses": guesses["black_box"],
        "white_box": figures["white_box"],
        "white_box_guesses": guesses["white_box"],
        "white_box_sum": unknown.epsilon,
        "wall_seconds": figures["wall_seconds"],
    }


def load(root: Path) -> tuple[dict[str, list[dict[str, object]]], Sweep]:
    """Each group's rows (sorted by ε and seed) under ``root``, and a sweep holding the
    runs (or groups) left out and the caveats, printed to stderr.

    Raises:
        StudyError: no group under ``root`` holds a usable run.
    """
    everything = Sweep(root, name="one_run.py", script="experiments/dp_audit/one_run.sh")
    runs: dict[str, list[dict[str, object]]] = {}
    for group in GROUPS:
        sweep = Sweep(root / group, name="one_run.py", script="experiments/dp_audit/one_run.sh")
        rows = []
        try:
            for run, path, result in sweep.payloads():
                found = row(run, result)
                if isinstance(found, str):
                    sweep.leave_out(path, found)
                else:
                    rows.append(found)
        except StudyError as exc:
            everything.leave_out(root / group, str(exc).removeprefix(f"{root / group}: "))
        everything.skipped += sweep.skipped
        runs[group] = sorted(rows, key=lambda r: (r["epsilon"], r["seed"]))
    if not any(runs.values()):
        raise StudyError(f"{root}: no usable run in any of {', '.join(GROUPS)} (listed above); "
                         f"run the study first (experiments/dp_audit/one_run.sh ROOT)")  # fmt: skip
    return runs, everything


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


def chart(rows: list[dict[str, object]]) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.5, 4))
    eps = [r["epsilon"] for r in rows]
    ax.plot(eps, eps, color="grey", linestyle=":", label="accountant ε (upper bound)")
    for key, marker, label in (
        ("white_box", "o", "one-run, white-box (Dirac gradient canaries)"),
        ("white_box_sum", "v", "one-run, white-box, data gradients unknown"),
        ("black_box", "s", "one-run, black-box (input canaries)"),
        # (the largest of the attacks' 95% bounds and of records and canaries, picked after
        # the fact: not itself a 95% bound, as the y label says of the one-run curves)
        ("today", "x", "today: K-model audit (records, canaries; largest over the attacks)"),
    ):
        ax.plot(eps, [r[key] for r in rows], marker=marker, label=label)
    ax.set_xscale("log", base=2)
    ax.set_xticks(eps, [f"{e:.0f}" for e in eps])
    ax.set_xlabel("accountant ε (RDP, max over the 16 models), δ = 1e-6")
    ax.set_ylabel("ε lower bound (95%)")
    ax.set_title("DP-SGD on digits: one-run audit vs the accountant")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> None:
    """Write one_run.md, one_run.csv and one_run.png from the runs under ROOT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        runs, sweep = load(args.root)
    except StudyError as exc:
        sys.exit(f"one_run.py: error: {exc}")
    try:
        make_out(args.out)
    except StudyError as exc:
        sys.exit(f"one_run.py: error: {exc}")
    rows = runs["delta_1e-6"] + runs["seeds"] + runs["default_delta"]
    header = list(rows[0])
    below = notes(args.root, sweep.skipped, sweep.caveats, title="Left out (no row)")
    write_outputs("one_run.py", {
        args.out / "one_run.csv": csv_text([header, *([r[k] for k in header] for r in rows)]),
        args.out / "one_run.md": table(rows) + below,
        args.out / "one_run.png": chart(runs["delta_1e-6"]),
    })  # fmt: skip


if __name__ == "__main__":
    main()
