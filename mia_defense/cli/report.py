"""`mia-report`: the privacy-utility tradeoff of a sweep (table, charts, Pareto front)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from mia_defense.errors import MiaDefenseError
from mia_defense.report import write_report

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mia-report",
        description="Read every run's results.json under the given sweep or run directories "
        "and write the tradeoff table (CSV, Markdown), charts (PNG) with the Pareto front, "
        "a summary page, and the same figures to TensorBoard. Broken runs are skipped.",
    )
    parser.add_argument("dirs", nargs="+", type=Path, help="sweep roots or run directories")
    parser.add_argument(
        "-o", "--out", type=Path, default=None,
        help="report directory (default: <first dir>/report, so the TensorBoard figures "
        "sit under the sweep root)",
    )  # fmt: skip
    parser.add_argument("--no-tensorboard", action="store_true", help="skip TensorBoard")
    parser.add_argument("--roc-runs", type=int, default=6, help="runs with a ROC curve (6)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, write the report, print where it is and the Pareto front."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    out = args.out or args.dirs[0] / "report"
    try:
        report = write_report(
            args.dirs, out_dir=out, tensorboard=not args.no_tensorboard, roc_runs=args.roc_runs
        )
    except MiaDefenseError as exc:
        print(f"mia-report: {exc}", file=sys.stderr)
        return 2
    print(f"{len(report.summaries)} runs reported, {len(report.skipped)} skipped")
    print("Pareto front (test accuracy up, strongest attack's TPR@0.1%FPR down):")
    for rank, i in enumerate(report.front, start=1):
        s = report.summaries[i]
        print(f"  {rank}. {s.label}  acc {s.test_accuracy:.3f}  TPR@0.1%FPR {s.leak_tpr:.4f}"
              f"  AUC {s.leak_auc:.3f}  [{s.family}]")  # fmt: skip
    for kind, path in report.files.items():
        print(f"{kind:>13}: {path}")
    if "tensorboard" in report.files:
        print(f"look at it:   tensorboard --logdir {args.dirs[0] if args.out is None else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
