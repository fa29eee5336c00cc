"""Study 3: the strongest attack per defense, naive vs adaptive shadows, records vs canaries.

Reads each run's results.json under a sweep root: the strongest attack's TPR at 0.1% and
1% FPR on the regular records (`attacks`) and on the canaries (`slices.NAME.canaries`).
A run it cannot use (no results.json, a corrupt or edited one, a failed or diverged run, no
finite TPR) is left out with its reason, printed and listed under the table; a root without
any usable run, or with two runs of one defense and recipe, is an error naming the path.
"""

from __future__ import annotations

import argparse
import sys
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

FPRS = ("tpr@0.1%fpr", "tpr@1%fpr")


def strongest(metrics: Mapping[str, Mapping], key: str) -> tuple[float, str]:
    """The largest finite ``key`` over attacks, and the attack (NaN and "-" when none has one:
    a null figure is a NaN written to JSON)."""
    figures = {n: m[key] for n, m in metrics.items() if finite(m.get(key))}
    if not figures:
        return float("nan"), "-"
    name = max(figures, key=lambda n: figures[n])
    return float(figures[name]), name


def _row(payload: Mapping[str, Any]) -> tuple[dict[str, Any] | str, list[str]]:
    """The table row of a readable run, or why it has none; and the caveats on its row."""
    defense = payload["defense"]
    name, recipe = defense.get("defense"), defense.get("shadow_recipe")
    if not isinstance(name, str) or not name or not isinstance(recipe, str) or not recipe:
        return "no defense.defense or defense.shadow_recipe name (edited?); rerun it", []
    slices = payload.get("slices")
    canaries = {
        n: s["canaries"]
        for n, s in (slices.items() if isinstance(slices, Mapping) else ())
        if isinstance(s, Mapping) and isinstance(s.get("canaries"), Mapping)
    }
    if not canaries:
        return (
            "no canary results (slices.ATTACK.canaries): run it with canaries, as the study's "
            "preset does (attack.canaries.num=100)",
            [],
        )
    row: dict[str, Any] = {"test_accuracy": payload["utility"]["test_accuracy"]}
    notes = []
    for where, metrics in (("records", payload["attacks"]), ("canaries", canaries)):
        for key in FPRS:
            # An attack without the figure is passed over (as before), one whose figure is
            # null (a NaN when written) too, with a caveat; any other non-figure is an edit.
            nan = []
            for attack, m in metrics.items():
                value = m.get(key, 0.0)
                if value is None:
                    nan.append(attack)
                elif not finite(value) or not 0 <= value <= 1:
                    at = f"attacks.{attack}" if where == "records" else f"slices.{attack}.canaries"
                    return f"{at}.{key} is {value!r}, no figure in [0, 1] (edited?); {RERUN}", []
            value, attack = strongest({n: m for n, m in metrics.items() if n not in nan}, key)
            if attack == "-":
                return (
                    f"no finite {where} {key} in any attack (missing, or null: a NaN when "
                    f"written): a failed run, or one without {float(key[4:-4]) / 100:g} in "
                    f"attack.fprs; {RERUN}",
                    [],
                )
            if nan:
                notes.append(
                    f"{where} {key} of {', '.join(nan)} is null (a NaN when written): the "
                    "strongest attack is the strongest of the others"
                )
            row[f"{where}.{key}"], row[f"{where}.{key}.attack"] = value, attack
    unranked = rank_problem(payload)
    if unranked:
        notes.append(unranked)
    return {"defense": name, "recipe": recipe, **row}, notes


def load(
    root: Path,
) -> tuple[dict[str, dict[str, dict]], list[tuple[Path, str]], list[tuple[Path, str]]]:
    """The runs under ``root``: ``{defense: {shadow_recipe: row}}``, the runs left out and
    the caveats on kept rows, each as ``(path, reason)`` and printed to stderr.

    Raises:
        StudyError: ``root`` is no directory or holds no run, every run was left out, or two
            runs have the same defense and shadow recipe (one row cannot show both).
    """
    found: dict[str, dict[str, dict]] = {}
    where: dict[tuple[str, str], Path] = {}
    sweep = Sweep(root, name="compare.py", script="experiments/naive_vs_adaptive/run.sh")
    for run, path, payload in sweep.payloads():
        row, caveats = _row(payload)
        if isinstance(row, str):
            sweep.leave_out(path, row)
            continue
        key = (row.pop("defense"), row.pop("recipe"))
        if key in where:
            raise StudyError(
                f"{root}: two runs of defense {key[0]} with shadow_recipe {key[1]} "
                f"({where[key].name} and {run.name}); the table has one row per defense and "
                "recipe: sweep one value of every other setting per root"
            )
        where[key] = run
        found.setdefault(key[0], {})[key[1]] = row
        for note in caveats:
            sweep.caveat(path, note)
    if not found:
        raise sweep.nothing_usable()
    return found, sweep.skipped, sweep.caveats


def notes(root: Path, skipped: list[tuple[Path, str]], caveats: list[tuple[Path, str]]) -> str:
    """The lines under the table naming the runs left out and the caveats, by their paths
    under ``root`` ("" for none)."""
    return _notes(root, skipped, caveats, title="Left out (no row, or a – cell)")


def main(argv: list[str] | None = None) -> None:
    """Write results.md, results.csv and naive_vs_adaptive.png from the runs under ROOT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        found, skipped, caveats = load(args.root)
    except StudyError as exc:
        sys.exit(f"compare.py: error: {exc}")
    order = [
        d
        for d in ("none", "label_smoothing", "mixup", "relaxloss", "advreg", "distillation", "dp")
        if d in found
    ]
    order += sorted(set(found) - set(order))
    try:
        make_out(args.out)
    except StudyError as exc:
        sys.exit(f"compare.py: error: {exc}")
    columns = ["test_accuracy"] + [
        f"{w}.{k}{s}" for w in ("records", "canaries") for k in FPRS for s in ("", ".attack")
    ]
    table = [["defense", "shadow_recipe", *columns]] + [
        [defense, recipe, *[row[c] for c in columns]]
        for defense in order
        for recipe, row in sorted(found[defense].items())
    ]
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
    below = notes(args.root, skipped, caveats)
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
    write_outputs("compare.py", {
        args.out / "results.csv": csv_text(table),
        args.out / "results.md": "\n".join(lines) + "\n" + below,
        args.out / "naive_vs_adaptive.png": fig,
    })  # fmt: skip


if __name__ == "__main__":
    main()
