"""Write the report of a sweep: table (CSV, Markdown), charts (PNG), summary, TensorBoard."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure
from torch.utils.tensorboard import SummaryWriter

from mia_defense.errors import ConfigError, DataError
from mia_defense.report.charts import runs_roc_figure, save_figure, tradeoff_figure
from mia_defense.report.pareto import pareto_front
from mia_defense.report.runs import RESULTS, LoadedRuns, load_runs
from mia_defense.report.table import (
    BASELINE,
    RunSummary,
    markdown_table,
    not_ranked_markdown,
    summarise,
    table_rows,
    write_csv,
)

__all__ = ["Report", "check_out_dir", "write_report"]

log = logging.getLogger(__name__)


@dataclass
class Report:
    """What `write_report` wrote and found.

    Attributes:
        out_dir: where the files are.
        files: kind (``csv``, ``markdown``, ``not_ranked``, ``summary``, ``tradeoff_tpr``,
            ``tradeoff_auc``, ``roc``, ``tensorboard``) -> path.
        summaries: one per run ranked.
        front: indices into ``summaries`` of the Pareto front (accuracy vs TPR at 0.1% FPR),
            by increasing leakage.
        skipped: ``(directory, reason)`` of the runs whose results.json could not be read.
        not_ranked: ``(run, reason)`` of every run left out of the ranking: the diverged and
            useless runs by name, then the skipped ones by directory.
    """

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    summaries: list[RunSummary] = field(default_factory=list)
    front: list[int] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    not_ranked: list[tuple[str, str]] = field(default_factory=list)


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
    if report.not_ranked:
        lines += ["", not_ranked_markdown(report.not_ranked).rstrip("\n")]
    return "\n".join(lines) + "\n"


def _log_tensorboard(log_dir: Path, figures: dict[str, Figure], front_md: str) -> None:
    writer = SummaryWriter(log_dir=str(log_dir))
    try:
        for name, fig in figures.items():
            writer.add_figure(f"report/{name}", fig, 0, close=False)
        writer.add_text("report/pareto_front", front_md, 0)
    finally:
        writer.close()


_FIX_OUT = "choose another report directory (mia-report --out DIR)"


def check_out_dir(out_dir: Path) -> None:
    """Create ``out_dir`` if needed and make sure the report can be written there.

    Raises:
        ConfigError: ``out_dir`` is a file, lies under a file, holds a run's results.json
            (the report would mix its files with the run's) or cannot be written.
    """
    out_dir = Path(out_dir)
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: exists and is not a directory; {_FIX_OUT}")
    parent = next((p for p in out_dir.parents if os.path.lexists(p)), None)
    if parent is not None and not parent.is_dir():
        raise ConfigError(f"{out_dir}: {parent} is a file, not a directory; {_FIX_OUT}")
    if (out_dir / RESULTS).exists():
        raise ConfigError(f"{out_dir}: holds a run's {RESULTS}; {_FIX_OUT} outside the run")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=out_dir, prefix=".mia-report-", suffix=".probe")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"{out_dir}: cannot write there ({exc.strerror or exc}); {_FIX_OUT}"
        ) from None


def _no_run_error(sources: Sequence[Path], loaded: LoadedRuns) -> DataError:
    """The one-line error when no run can be ranked: counts, and the first reason."""
    left = [(r.name, why) for r, why in loaded.unranked] + [(str(p), w) for p, w in loaded.skipped]
    detail = "nothing found"
    if left:
        detail = (
            f"{len(loaded.skipped)} skipped, {len(loaded.unranked)} not ranked; "
            f"first: {left[0][0]}: {left[0][1]}"
        )
    return DataError(
        f"{', '.join(map(str, sources))}: no finished run to rank ({detail}); point mia-report "
        "at sweep roots or run directories holding complete runs"
    )


def write_report(
    paths: Sequence[Path],
    *,
    out_dir: Path,
    tensorboard: bool = True,
    roc_runs: int = 6,
) -> Report:
    """Read every run under ``paths`` and write the report into ``out_dir``.

    Broken runs are skipped, and diverged or useless ones kept out of the ranking, each with
    a warning; the report lists them under "Runs not ranked". Input files are only read.

    Args:
        paths: sweep roots or run directories.
        out_dir: the report directory (created).
        tensorboard: also log the figures as TensorBoard images in ``out_dir/tb``; with
            ``out_dir`` under the sweep root, ``tensorboard --logdir <sweep>`` shows them.
        roc_runs: at most this many runs get a ROC curve.

    Raises:
        DataError: no run could be ranked, or writing failed.
        ConfigError: ``out_dir`` cannot hold the report (see `check_out_dir`).
    """
    sources = [Path(p) for p in paths]
    loaded = load_runs(sources)
    if not loaded.runs:
        raise _no_run_error(sources, loaded)
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    try:
        return _write(loaded, sources, out_dir, tensorboard=tensorboard, roc_runs=roc_runs)
    except OSError as exc:
        raise DataError(
            f"{exc.filename or out_dir}: cannot write the report ({exc.strerror or exc}); "
            f"free disk space or {_FIX_OUT}"
        ) from None


def _write(
    loaded: LoadedRuns, sources: Sequence[Path], out_dir: Path, *, tensorboard: bool, roc_runs: int
) -> Report:
    """Write the report files of the ranked runs of ``loaded``; see `write_report`."""
    summaries = summarise(loaded.runs)
    front = pareto_front([s.test_accuracy for s in summaries], [s.leak_tpr for s in summaries])
    not_ranked = [(run.name, why) for run, why in loaded.unranked]
    not_ranked += [(str(path), why) for path, why in loaded.skipped]
    report = Report(
        out_dir=out_dir, summaries=summaries, front=front, skipped=loaded.skipped,
        not_ranked=not_ranked,
    )  # fmt: skip

    headers, rows = table_rows(summaries, front=front)
    write_csv(out_dir / "tradeoff.csv", headers, rows)
    section = not_ranked_markdown(not_ranked)
    (out_dir / "tradeoff.md").write_text(
        markdown_table(headers, rows) + (section and "\n" + section)
    )
    write_csv(out_dir / "not_ranked.csv", ["run", "reason"], not_ranked)
    report.files.update(
        csv=out_dir / "tradeoff.csv", markdown=out_dir / "tradeoff.md",
        not_ranked=out_dir / "not_ranked.csv",
    )  # fmt: skip

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
