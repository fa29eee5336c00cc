"""Write the report of a sweep: table (CSV, Markdown), charts (PNG), summary, TensorBoard."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure
from torch.utils.tensorboard import SummaryWriter

from mia_defense.errors import DataError
from mia_defense.report.charts import runs_roc_figure, save_figure, tradeoff_figure
from mia_defense.report.pareto import pareto_front
from mia_defense.report.runs import LoadedRuns, load_runs
from mia_defense.report.table import (
    BASELINE,
    RunSummary,
    markdown_table,
    summarise,
    table_rows,
    write_csv,
)

__all__ = ["Report", "write_report"]

log = logging.getLogger(__name__)


@dataclass
class Report:
    """What `write_report` wrote and found.

    Attributes:
        out_dir: where the files are.
        files: kind (``csv``, ``markdown``, ``summary``, ``tradeoff_tpr``, ``tradeoff_auc``,
            ``roc``, ``tensorboard``) -> path.
        summaries: one per run reported.
        front: indices into ``summaries`` of the Pareto front (accuracy vs TPR at 0.1% FPR),
            by increasing leakage.
        skipped: ``(directory, reason)`` of the runs left out.
    """

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    summaries: list[RunSummary] = field(default_factory=list)
    front: list[int] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _roc_selection(summaries: Sequence[RunSummary], front: Sequence[int], limit: int) -> list[int]:
    """Runs worth a ROC curve: undefended baselines, then the Pareto front; at most ``limit``."""
    chosen = [i for i, s in enumerate(summaries) if s.family == BASELINE][:2]
    chosen += [i for i in front if i not in chosen]
    return chosen[:limit]


def _summary_markdown(report: Report, loaded: LoadedRuns, sources: Sequence[Path]) -> str:
    s = report.summaries
    lines = [
        "# Privacy-utility tradeoff",
        "",
        f"{len(s)} runs from {', '.join(f'`{p}`' for p in sources)}. Utility is the test "
        "accuracy (mean over the K models); leakage is the strongest membership-inference "
        "attack's true-positive rate at 0.1% false-positive rate (chance = 0.001).",
        "",
        "![test accuracy vs TPR at 0.1% FPR](tradeoff_tpr.png)",
        "",
        "## Pareto front",
        "",
        "No other run is both more accurate and less leaky than these (numbered as in the chart):",
        "",
        "| # | run | family | test accuracy | TPR@0.1%FPR | AUC | ε |",
        "|---|---|---|---|---|---|---|",
    ]
    for rank, i in enumerate(report.front, start=1):
        r = s[i]
        eps = "–" if r.epsilon is None else f"{r.epsilon:.3g}".replace("inf", "∞")
        lines.append(
            f"| {rank} | `{r.label}` | {r.family} | {r.test_accuracy:.3f} | {r.leak_tpr:.4f} | "
            f"{r.leak_auc:.3f} | {eps} |"
        )
    lines += [
        "",
        "## Files",
        "",
        "- [tradeoff table (Markdown)](tradeoff.md) and [CSV](tradeoff.csv): every run, every "
        "attack's AUC and TPR at 1% and 0.1% FPR, ε",
        "- [test accuracy vs AUC](tradeoff_auc.png)",
    ]
    if "roc" in report.files:
        lines.append("- [ROC curves of the baselines and the Pareto front](roc.png) (log-log)")
    lines.append("- TensorBoard: the same figures under `tb/` (Images tab)")
    if loaded.skipped:
        lines += ["", "## Skipped", ""]
        lines += [f"- `{path}`: {reason}" for path, reason in loaded.skipped]
    return "\n".join(lines) + "\n"


def _log_tensorboard(log_dir: Path, figures: dict[str, Figure], front_md: str) -> None:
    writer = SummaryWriter(log_dir=str(log_dir))
    try:
        for name, fig in figures.items():
            writer.add_figure(f"report/{name}", fig, 0, close=False)
        writer.add_text("report/pareto_front", front_md, 0)
    finally:
        writer.close()


def write_report(
    paths: Sequence[Path],
    *,
    out_dir: Path,
    tensorboard: bool = True,
    roc_runs: int = 6,
) -> Report:
    """Read every run under ``paths`` and write the report into ``out_dir``.

    Broken runs are skipped with a warning (listed in the summary).

    Args:
        paths: sweep roots or run directories.
        out_dir: the report directory (created).
        tensorboard: also log the figures as TensorBoard images in ``out_dir/tb``; with
            ``out_dir`` under the sweep root, ``tensorboard --logdir <sweep>`` shows them.
        roc_runs: at most this many runs get a ROC curve.

    Raises:
        DataError: no finished run was found.
    """
    sources = [Path(p) for p in paths]
    loaded = load_runs(sources)
    if not loaded.runs:
        reasons = "; ".join(f"{p}: {r}" for p, r in loaded.skipped) or "nothing found"
        raise DataError(f"no finished run (results.json with status complete) under "
                        f"{', '.join(map(str, sources))} ({reasons})")  # fmt: skip
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summaries = summarise(loaded.runs)
    front = pareto_front([s.test_accuracy for s in summaries], [s.leak_tpr for s in summaries])
    report = Report(out_dir=out_dir, summaries=summaries, front=front, skipped=loaded.skipped)

    headers, rows = table_rows(summaries, front=front)
    write_csv(out_dir / "tradeoff.csv", headers, rows)
    (out_dir / "tradeoff.md").write_text(markdown_table(headers, rows))
    report.files.update(csv=out_dir / "tradeoff.csv", markdown=out_dir / "tradeoff.md")

    auc_front = pareto_front([s.test_accuracy for s in summaries], [s.leak_auc for s in summaries])
    figures = {
        "tradeoff_tpr": tradeoff_figure(summaries, leakage="leak_tpr", front=front),
        "tradeoff_auc": tradeoff_figure(summaries, leakage="leak_auc", front=auc_front),
    }
    selected = _roc_selection(summaries, front, roc_runs)
    labels = [
        f"#{front.index(i) + 1} {summaries[i].label}" if i in front else summaries[i].label
        for i in selected
    ]
    roc = runs_roc_figure([summaries[i] for i in selected], labels=labels)
    if roc is not None:
        figures["roc"] = roc
    for name, fig in figures.items():
        save_figure(fig, out_dir / f"{name}.png")
        report.files[name] = out_dir / f"{name}.png"

    summary = _summary_markdown(report, loaded, sources)
    (out_dir / "README.md").write_text(summary)
    report.files["summary"] = out_dir / "README.md"
    if tensorboard:
        front_md = summary.split("## Pareto front", 1)[1].split("## Files", 1)[0]
        _log_tensorboard(out_dir / "tb", figures, front_md)
        report.files["tensorboard"] = out_dir / "tb"
    return report
