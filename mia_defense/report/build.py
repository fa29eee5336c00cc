"""Write the report of a sweep: table (CSV, Markdown), charts (PNG), summary, TensorBoard."""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2
from tensorboard.plugins.text import metadata as text_metadata
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from mia_defense.errors import DataError, counted, first_few
from mia_defense.files import events_write, write_advice
from mia_defense.report.charts import (
    family_text,
    runs_roc_figure,
    save_figure,
    tradeoff_figure,
)
from mia_defense.report.checks import IDLE_MARK, UNDERSTATED_CAVEATS, PrintableLog
from mia_defense.report.groups import PER_RUN, RunGroup, describe_grouping, group_runs
from mia_defense.report.out_dir import (
    CHARTS,
    FIX_OUT,
    REPORT_FILES,
    REPORT_MARK,
    SUMMARY_TITLE,
    Staged,
    check_out_dir,
    check_same_sources,
    mark_text,
    remove_incomplete,
    remove_stale_temp_folders,
    replace_file,
    roll_back_killed_commits,
    sole_writer,
    utf8,
)
from mia_defense.report.pareto import pareto_fronts
from mia_defense.report.rows import table_rows
from mia_defense.report.runs import (
    LoadedRuns,
    RunRecord,
    distinct_roots,
    load_runs,
    versions_differing,
)
from mia_defense.report.table import (
    BASELINE,
    LIST_CELLS,
    TEXT_CELLS,
    RunSummary,
    caveats_markdown,
    markdown_table,
    md_code,
    md_text,
    not_ranked_markdown,
    summarise,
    write_csv,
)
from mia_defense.tracking.figures import image_summary

__all__ = ["FRONT_AUC", "IDLE_FRONT", "IDLE_PART_FRONT", "READ_WITH_CARE", "REPORT_FILES",
           "Report", "careful_idle", "careful_rows", "check_out_dir", "family_text",
           "idle_front", "read_with_care", "write_report"]

log = logging.getLogger(__name__)
log.addFilter(PrintableLog())


@dataclass
class Report:
    """What `write_report` wrote and found.

    Attributes:
        out_dir: where the files are.
        files: kind (``csv``, ``markdown``, ``runs_csv``, ``not_ranked``, ``summary``,
            ``tradeoff_tpr``, ``tradeoff_auc``, ``roc``, ``tensorboard``) -> path.
        summaries: one per run ranked.
        groups: the rows of the table (runs grouped, see `group_runs`).
        grouping: the sentence saying how runs were grouped into rows.
        fronts: (dataset, model) -> indices into ``groups`` of that pair's Pareto front
            (accuracy vs TPR at 0.1% FPR, by increasing leakage); pairs are never compared.
        front: indices into ``summaries`` of the runs of every front's rows.
        skipped: ``(directory, reason)`` of the runs whose results.json could not be read.
        not_ranked: ``(run, reason)`` of every run left out of the ranking: the diverged and
            useless runs by name, then the skipped ones by directory.
        caveats: ``(run, note)`` of ranked runs to read with care: a DP claim refuted by a
            measured bound, a TPR at 0.1% FPR on too few non-member scores to resolve it.
    """

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    summaries: list[RunSummary] = field(default_factory=list)
    groups: list[RunGroup] = field(default_factory=list)
    grouping: str = ""
    fronts: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    front: list[int] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    not_ranked: list[tuple[str, str]] = field(default_factory=list)
    caveats: list[tuple[str, str]] = field(default_factory=list)


def _roc_selection(report: Report, limit: int) -> tuple[list[tuple[RunSummary, str]], int]:
    """(run, legend) worth a ROC curve: the first run of up to two undefended rows, then of
    the fronts' rows, the first of each front, then the second...; at most ``limit``. Also
    how many rows of the fronts that leaves out: all of a first front's rows came before
    any of a second's, whose rows had no curve, unsaid."""
    groups = report.groups
    several = len(report.fronts) > 1
    ranks = {i: rank for front in report.fronts.values() for rank, i in enumerate(front, 1)}
    chosen = [i for i, g in enumerate(groups) if g.family == BASELINE][:2]
    fronts = list(report.fronts.values())
    by_rank = itertools.zip_longest(*fronts) if fronts else ()
    chosen += [i for rank in by_rank for i in rank if i is not None and i not in chosen]
    left_out = len(set(ranks) - set(chosen[:limit]))
    selection = []
    for i in chosen[:limit]:
        g = groups[i]
        legend = f"#{ranks[i]} {g.label}" if i in ranks else g.label
        if several:
            legend = f"{g.dataset}·{g.model} {legend}"
        if g.n > 1:
            legend += f" (seed {g.runs[0].seed})"
        selection.append((g.runs[0], legend))
    return selection, left_out


# What a front's AUC is, wherever the front is shown: beside the strongest attack's TPR it
# read as that attack's AUC, which results.json's privacy/strongest_auc and TensorBoard's
# HParams column hold (a digits run: 0.554 here, lira_offline's, against lira_online_augmented's
# 0.512 there).
FRONT_AUC = (
    "AUC is the highest of any black-box attack, not always that of the attack strongest at "
    "0.1% FPR (results.json's privacy/strongest_auc, TensorBoard's 'AUC (strongest attack)')."
)

# How a row of a front whose runs have caveats is marked, wherever the front is shown: the
# caveats were listed in a section of their own, below the front that ranked the run.
READ_WITH_CARE = "(read with care)"


# What a front says of a row marked IDLE_MARK (`family_text`), wherever the front is shown.
# Such a run stays on the front: its figures are those of the models it trained, not
# understated as those `_understated_rows` leaves off are; but they are no point of the
# defense its name says.
IDLE_FRONT = (
    f"A family marked ({IDLE_MARK}) names a defense that did not act in the row's runs "
    "(results.json's training.defenses_idle; the reason under \"Figures to read with "
    "care\"): its models trained as without it (a training defense), or their outputs "
    "were released unchanged (a release, release=NAME), so its figures are those of the "
    "models and outputs without it and say nothing of what the defense costs or protects."
)


# What a front says, after IDLE_FRONT, of a row marked IDLE_MARK with a count of models
# (`family_text`: the defense acted in the others).
IDLE_PART_FRONT = (
    f"A family marked ({IDLE_MARK} in i of m models) names a defense that did not act in "
    "i of the m models of the row's runs only: those trained as without it, so its figures "
    "are of models with and without the defense."
)


def _partly_idle(groups: Iterable[RunGroup]) -> bool:
    """Whether a defense of one of ``groups`` did not act in some of its models only
    (`RunGroup.idle_defenses`: ``in i of m models``)."""
    return any(p.startswith("in ") for g in groups for _, p in g.idle_defenses())


def idle_front(report: Report) -> str:
    """What the fronts say of their rows marked `IDLE_MARK` (`IDLE_FRONT`, with
    `IDLE_PART_FRONT` where a defense did not act in some of a row's models only), ``""``
    where no row of a front is."""
    groups = [report.groups[i] for front in report.fronts.values() for i in front]
    if not any(g.defenses_idle for g in groups):
        return ""
    return IDLE_FRONT + (" " + IDLE_PART_FRONT if _partly_idle(groups) else "")


def careful_idle(report: Report, careful: Iterable[int]) -> str:
    """What the `READ_WITH_CARE` legend says of a row's idle defense, given the ``careful``
    rows shown (`careful_rows`): with the words of one idle in some of its models only where
    such a row is shown; the legend said 'its models trained ... as without it' of a row
    marked 'did not act in 2 of 4 models', half of whose models had the defense."""
    words = ("its defense did not act (its models trained, or their outputs were released, "
             "as without it)")
    if _partly_idle(report.groups[i] for i in careful):
        words += (f", or did not act in some of its models only (marked '{IDLE_MARK} in i of "
                  "m models': those i trained as without it, the others with it)")
    return words


def read_with_care(report: Report, index: int) -> bool:
    """Whether a run of the row ``report.groups[index]`` has a caveat (`Report.caveats`)."""
    return index in careful_rows(report, [index])


def careful_rows(report: Report, rows: Sequence[int] | None = None) -> set[int]:
    """The rows (of ``rows``, all by default) holding a run with a caveat, found at once:
    `read_with_care` row by row read every caveat for each row, minutes for a sweep of
    thousands of runs."""
    noted = {name for name, _ in report.caveats}
    indices = range(len(report.groups)) if rows is None else rows
    return {i for i in indices if any(run.name in noted for run in report.groups[i].runs)}


def _fronts_markdown(report: Report) -> str:
    """The Pareto front of each (dataset, model) as Markdown tables."""
    lines = [
        "One front per dataset and model: runs of different datasets or models are never "
        "compared. Nor are runs attacked otherwise (other black-box attacks or attack "
        "settings, plan.num_models, plan.population_size, attack.num_targets, "
        "attack.shadow_recipe, attack.queries, the dataset's own settings): a weaker "
        "yardstick is no evidence "
        "of privacy, so each such evaluation has its own front, named after the model in "
        "brackets. Runs of one config and seeds on other data or library versions are "
        "tagged [data=...] or [software=...] and kept apart too. No other row of the same "
        "dataset and model is both more accurate and less leaky than these (numbered as in "
        "the chart); where their 95% intervals overlap, the order between two rows is not "
        "established. " + FRONT_AUC,
    ]
    careful = careful_rows(report, [i for front in report.fronts.values() for i in front])
    if idle_front(report):
        lines[0] += " " + idle_front(report)
    if careful:
        lines[0] += (
            f" A row marked {READ_WITH_CARE} holds a run listed under \"Figures to read with "
            "care\": its leakage may be understated (a TPR below the resolution of its scores, "
            "suspect masks) or its ε no guarantee, or its test "
            "accuracy not established (a small test set, or not above chance on it), or "
            f"{careful_idle(report, careful)}, or its figures not "
            "checked against its scores (scores.npz deleted)."
        )
    left = _understated_rows(report)
    if left:
        rows = "; ".join(f"`{md_code(report.groups[i].label)}`: {' and '.join(why)}"
                         for i, why in left.items())  # fmt: skip
        lines[0] += (
            f" Rows of runs with {' or '.join(sorted({w for why in left.values() for w in why}))}"
            " are left off the fronts: their leak is larger than their figures (see \"Figures "
            f"to read with care\"; a search gets them as the most leaking): {rows}."
        )
    for (dataset, model), front in report.fronts.items():
        lines += ["", f"### {md_text(dataset)} · {md_text(model)}", "",
                  *_front_table(report, front, careful, (dataset, model))]  # fmt: skip
    return "\n".join(lines) + "\n"


# The fronts' ε column's header where a row holds a gdp-accountant run: its figure there is
# its RDP upper bound, not the approximation results.json's privacy.epsilon records (as
# HParams' header says, `mia_defense.tracking.hparams`).
_EPSILON_HEADER = "ε (accountant gdp: its RDP upper bound)"


def _front_table(
    report: Report, front: list[int], careful: set[int], pair: tuple[str, str]
) -> list[str]:
    """The Markdown table of the (dataset, model) ``pair``'s ``front`` (row indices, ranked),
    the rows of ``careful`` flagged; a line saying why where every row was left off
    (`_understated_rows`)."""
    if not front:
        why = {w for i, ws in _understated_rows(report).items()
               if report.groups[i].pair == pair for w in ws}  # fmt: skip
        return [f"No row: its runs have {' or '.join(sorted(why))} (left off the front)."]
    gdp = any(run.config.get("defense.dp.accountant") == "gdp"
              for i in front for run in report.groups[i].runs)  # fmt: skip
    lines = [
        "| # | row | family | n | test accuracy [95% CI] | TPR@0.1%FPR [95% CI] | "
        f"AUC [95% CI] | {_EPSILON_HEADER if gdp else 'ε'} |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for rank, i in enumerate(front, start=1):
        g = report.groups[i]
        eps = "–" if g.epsilon is None else f"{g.epsilon:.3g}".replace("inf", "∞")
        if g.epsilon is not None and not g.epsilon_valid:
            eps += " (not a guarantee)"
        flag = f" {READ_WITH_CARE}" if i in careful else ""
        lines.append(
            f"| {rank} | `{md_code(g.label)}`{flag} | {md_text(family_text(g))} | {g.n} | "
            f"{g.test_accuracy.text(3)} | {g.leak_tpr.text(4)} | {g.leak_auc.text(3)} | {eps} |"
        )
    return lines


def _summary_markdown(
    report: Report, sources: Sequence[Path], fronts_md: str, *, tensorboard: bool
) -> str:
    """The report's README.md; it names the TensorBoard copy only where one is written."""
    lines = [
        SUMMARY_TITLE,
        "",
        f"{counted(len(report.summaries), 'run')} in {counted(len(report.groups), 'row')} from "
        f"{', '.join(f'`{md_code(p)}`' for p in sources)}. Utility is the test accuracy "
        "(mean over the K models); leakage is the strongest membership-inference attack's "
        "true-positive rate at 0.1% false-positive rate (chance = 0.001).",
        "",
        report.grouping,
        "",
        *(["![test accuracy vs TPR at 0.1% FPR](tradeoff_tpr.png)", ""]
          if "tradeoff_tpr" in report.files else []),
        "## Pareto fronts",
        "",
        fronts_md.rstrip("\n"),
        "",
        "## Files",
        "",
        "- [tradeoff table (Markdown)](tradeoff.md) and [CSV](tradeoff.csv): every row, every "
        "attack's AUC and TPR at 1% and 0.1% FPR with 95% intervals, ε; "
        "[runs.csv](runs.csv): the same for every run",
        f"- {LIST_CELLS} {TEXT_CELLS}",
    ]
    if "tradeoff_auc" in report.files:
        lines.append("- [test accuracy vs AUC](tradeoff_auc.png)")
    if "roc" in report.files:
        lines.append("- [ROC curves of the baselines and the Pareto fronts](roc.png) (log-log)")
    if tensorboard and "tradeoff_tpr" in report.files:
        lines.append("- TensorBoard: the same figures under `tb/` (Images tab)")
    for section in (caveats_markdown(report.caveats), not_ranked_markdown(report.not_ranked)):
        if section:
            lines += ["", section.rstrip("\n")]
    return "\n".join(lines) + "\n"


def _log_tensorboard(log_dir: Path, charts: dict[str, bytes], front_md: str) -> None:
    """The charts' PNGs (``name -> bytes``, as written beside) and the Pareto fronts as
    TensorBoard events under ``log_dir``, by TensorBoard's own writer (torch's SummaryWriter
    wraps it, and importing torch took 2 s of the report's start)."""
    earlier = _report_events(log_dir)
    try:
        # (the new file, cut where a write failed, would be shown beside the earlier ones)
        with events_write(log_dir, f"events.out.tfevents.*{EVENTS_SUFFIX}"):
            writer = EventFileWriter(str(log_dir), filename_suffix=EVENTS_SUFFIX)
            try:
                for name, png in charts.items():
                    width, height = struct.unpack(">II", png[16:24])  # the PNG's IHDR chunk
                    _add_summary(writer, image_summary(f"report/{name}", png, width=width,
                                                       height=height, channels=4))  # fmt: skip
                _add_summary(writer, _text_summary("report/pareto_front/text_summary", front_md))
                # the events are written by a thread of TensorBoard's, whose failure (a full
                # disk) close() does not raise: flush() does
                writer.flush()
            finally:
                writer.close()
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(log_dir)) from None
    _remove(earlier)  # only once the new figures are whole


# The end of the names of the event files a report writes, so that the next one replaces them.
EVENTS_SUFFIX = ".mia-report"


def _report_events(log_dir: Path) -> list[Path]:
    """The event files earlier reports wrote in ``log_dir`` (not a link): every figure of a
    report is at step 0, so TensorBoard showed each earlier report's Pareto front beside the
    new one, undated. Theirs: named with `EVENTS_SUFFIX`, or (reports written before it)
    holding only ``report/`` figures. Files of anyone else's are left alone."""
    if log_dir.is_symlink() or not log_dir.is_dir():
        return []
    found = []
    for path in sorted(log_dir.glob("events.out.tfevents.*")):
        if path.is_symlink() or not path.is_file():
            continue
        if path.name.endswith(EVENTS_SUFFIX) or _only_report_figures(path):
            found.append(path)
    return found


def _only_report_figures(path: Path) -> bool:
    """Whether the event file at ``path`` holds summaries, all tagged ``report/...``."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    tags = 0  # (the loader is imported here: 0.2 s of the report's start, for older reports)
    try:
        for event in EventFileLoader(str(path)).Load():
            for value in event.summary.value:
                if not value.tag.startswith("report/"):
                    return False
                tags += 1
    except Exception:  # a file the loader cannot read (its own error types) is not a report's
        return False
    return tags > 0


def _remove(paths: Sequence[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def _add_summary(writer: EventFileWriter, summary: summary_pb2.Summary) -> None:
    writer.add_event(event_pb2.Event(wall_time=time.time(), step=0, summary=summary))


def _text_summary(tag: str, text: str) -> summary_pb2.Summary:
    """What ``SummaryWriter.add_text`` writes (its tag ends in ``/text_summary``)."""
    shape = tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)])
    tensor = tensor_pb2.TensorProto(dtype="DT_STRING", string_val=[utf8(text)],
                                    tensor_shape=shape)  # fmt: skip
    meta = text_metadata.create_summary_metadata(display_name=None, description=None)
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, metadata=meta,
                                                                tensor=tensor)])  # fmt: skip


def _no_run_error(sources: Sequence[Path], loaded: LoadedRuns) -> DataError:
    """The one-line error when no run can be ranked: counts, and the first reason."""
    left = [(r.name, why) for r, why in loaded.unranked] + [(str(p), w) for p, w in loaded.skipped]
    if loaded.unranked and not loaded.skipped:
        # every run read and complete, none with a verdict (all at chance, say): "point at
        # complete runs" sent the user looking for runs that were there
        runs = "the run" if len(loaded.unranked) == 1 else f"all {len(loaded.unranked)} runs"
        return DataError(
            f"{', '.join(map(str, sources))}: no run to rank: {runs} read, none with a privacy "
            f"verdict (first: {left[0][0]}: {left[0][1]}), so there is no tradeoff to chart; "
            "each run's reason is in the warnings above. Rerun with settings under which the "
            "models learn (test accuracy above chance) and the attacks can judge them"
        )
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
    group_by: Sequence[str] | None = None,
    charts: bool = True,
    replace: bool = False,
) -> Report:
    """Read every run under ``paths`` and write the report into ``out_dir``.

    Broken runs are skipped, and diverged or useless ones kept out of the ranking, each with
    a warning; the report lists them under "Runs not ranked". Input files are only read.

    Args:
        paths: sweep roots or run directories.
        out_dir: the report directory (created).
        tensorboard: also log the figures as TensorBoard images in ``out_dir/tb``; with
            ``out_dir`` under the sweep root, ``tensorboard --logdir <sweep>`` shows them.
            They replace an earlier report's (`_report_events`); ``False`` removes those.
        roc_runs: at most this many runs get a ROC curve.
        group_by: how runs become rows (see `group_runs`): ``None`` groups the runs that
            differ only in their seeds; dotted config keys group the runs sharing their
            values; ``("run",)`` gives one row per run.
        charts: draw the PNG charts (and their TensorBoard images); ``False`` writes the
            tables and the summary only (the charts are nearly all of a report's time) and
            removes charts an earlier report left in ``out_dir``.
        replace: write into ``out_dir`` even when it holds the report of other folders
            (its mark names those it read); without it that is refused.

    Raises:
        DataError: no run could be ranked, or writing failed.
        ConfigError: a ``group_by`` key is in no run's config, ``out_dir`` cannot hold the
            report (see `check_out_dir`), or another report is being written there
            (`sole_writer`); nothing is written then.
    """
    sources = distinct_roots(paths)
    if not replace and Path(out_dir).is_dir():  # before reading thousands of runs
        check_same_sources(Path(out_dir), sources)
    loaded = load_runs(sources)
    if not loaded.runs:
        raise _no_run_error(sources, loaded)
    summaries = summarise(loaded.runs)
    _warn_evaluations(summaries)
    _warn_versions(loaded.runs, summaries)
    groups = group_runs(summaries, by=group_by)
    out_dir = Path(out_dir)
    check_out_dir(out_dir, tensorboard=tensorboard, sources=sources, replace=replace)
    not_ranked = [(run.name, why) for run, why in loaded.unranked]
    not_ranked += [(str(path), why) for path, why in loaded.skipped]
    report = Report(
        out_dir=out_dir, summaries=summaries, groups=groups, grouping=describe_grouping(group_by),
        skipped=loaded.skipped, not_ranked=not_ranked,
        caveats=[(run.name, note) for run, note in loaded.caveats] + _partial_figures(groups),
    )  # fmt: skip
    with sole_writer(out_dir):
        if not replace:  # (a report of other folders may have ended there since the check)
            check_same_sources(out_dir, sources)
        roll_back_killed_commits(out_dir)
        remove_stale_temp_folders(out_dir)  # (a report's folder, or a new or empty one)
        try:
            _write(report, sources, tensorboard=tensorboard, roc_runs=roc_runs, charts=charts)
            # the report is whole: its mark now names what it read
            mark = utf8(mark_text(sources, out_dir))
            replace_file(out_dir / REPORT_MARK, lambda tmp: tmp.write_bytes(mark))
            remove_incomplete(out_dir)  # (last: the report is whole)
        except OSError as exc:
            raise DataError(
                f"{exc.filename or out_dir}: cannot write the report ({exc.strerror or exc}); "
                f"{write_advice(exc, fix=FIX_OUT, where='mia-report --out DIR')}"
            ) from None
    return report


# The figures of the fronts and charts (`RunSummary` attribute -> what a caveat calls it).
_FRONT_FIGURES = {
    "test_accuracy": "test accuracy",
    "leak_tpr": "TPR at 0.1% FPR of a black-box attack",
    "leak_auc": "AUC of a black-box attack",
}


def _partial_figures(groups: Sequence[RunGroup]) -> list[tuple[str, str]]:
    """``(run, caveat)`` of each run lacking a figure that other runs of its row have: the
    figures of the fronts (`_FRONT_FIGURES`) and the attack columns (``ATTACK.auc``,
    ``ATTACK.tpr@X%fpr``), one caveat per run naming them all: the row's figure is then the
    mean of those others alone (a row of three seeds, two of whose AUCs were deleted, showed
    its least leaking seed's AUC on the AUC front, its n 3, and nothing said so; a deleted
    ``loss.tpr@1%fpr`` likewise left the tables' column seed 0's alone under n 3). A run
    lacking a front's figure was told of it alone: each further column took a rerun to learn."""
    notes = []
    for g in groups:
        fronts: dict[str, list[tuple[str, int]]] = {}  # run -> (figure's words, runs having it)
        for attribute, words in _FRONT_FIGURES.items():
            lacking = [r for r in g.runs if math.isnan(getattr(r, attribute))]
            for run in _partly(lacking, g):
                fronts.setdefault(run.name, []).append((words, g.n - len(lacking)))
        columns: dict[str, list[str]] = {}
        for figure, lacking in _lacking_columns(g):
            for run in _partly(lacking, g):
                columns.setdefault(run.name, []).append(f"{figure} ({g.n - len(lacking)})")
        for run in g.runs:
            if run.name in fronts or run.name in columns:
                note = _partial_note(fronts.get(run.name, []), columns.get(run.name, []), g.n)
                notes.append((run.name, note))
    for name, note in notes:
        log.warning("%s: %s", name, note)
    return notes


def _partly(lacking: list[RunSummary], group: RunGroup) -> list[RunSummary]:
    """``lacking``, unless every run of ``group`` lacks the figure (a tool of your own that
    records none: nothing to average it over)."""
    return [] if len(lacking) == group.n else lacking


def _partial_note(fronts: Sequence[tuple[str, int]], columns: Sequence[str], n: int) -> str:
    """The caveat of a run of a row of ``n`` runs lacking the figures of the fronts
    ``fronts`` (each's words and how many runs of the row have it) and the attack
    ``columns`` (each with that count in brackets)."""
    what = [words for words, _ in fronts] + ([", ".join(columns)] if columns else [])
    said = [f"{words.split(' of ')[0]} is the mean of its other {having} of {n} runs alone"
            for words, having in fronts]  # fmt: skip
    if columns:
        said.append(f"columns are the means of its other runs (of {n}) having each, as "
                    "counted in brackets, alone")  # fmt: skip
    row = "; its row's ".join(said)
    return (
        f"no {'; no '.join(what)} (deleted from its results.json, or written by a tool of "
        f"your own): its row's {row}, which may understate the row's; rerun it"
    )


def _lacking_columns(group: RunGroup) -> Iterable[tuple[str, list[RunSummary]]]:
    """``(ATTACK.METRIC, the runs of ``group`` lacking it)`` for each attack figure a run
    of the row has (the tables' columns, `mia_defense.report.groups`)."""
    shown = {(attack, m): None for r in group.runs for attack, metrics in r.attacks.items()
             for m in metrics if f"{attack}.{m}" in group.metrics}  # fmt: skip
    for attack, m in shown:
        yield f"{attack}.{m}", [
            r for r in group.runs if not _finite(r.attacks.get(attack, {}).get(m))]


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _warn_evaluations(summaries: Sequence[RunSummary]) -> None:
    """Say when runs of one dataset and model were attacked otherwise: they get fronts of
    their own (`mia_defense.report.table.evaluation_labels`)."""
    apart = [s for s in summaries if s.evaluation and not _only_apart(s.evaluation)]
    if apart:
        shown = first_few(apart, 5, sep="; ", each=lambda s: f"{s.name}: {s.evaluation}")
        log.warning(
            "%d runs were attacked otherwise than other runs of their dataset and model (%s); "
            "their leakage figures are not comparable, so each evaluation gets its own Pareto "
            "front: attack every run of a comparison with the same attack settings, "
            "plan.num_models and plan.population_size",
            len(apart), shown,
        )


def _warn_versions(runs: Sequence[RunRecord], summaries: Sequence[RunSummary]) -> None:
    """Say when the runs of one front ran on other library versions or code (results.json's
    ``versions``): two sweeps of one dataset and model, one run before an edit of the
    attacks or metrics and one after, were put on one front without a word (runs of one
    config are told apart or noted by `mia_defense.report.runs`; these differ in config)."""
    pairs: dict[tuple[str, str], list[RunRecord]] = {}
    for run, summary in zip(runs, summaries, strict=True):
        pairs.setdefault(summary.pair, []).append(run)
    for (dataset, model), members in pairs.items():
        if len(members) < 2:
            continue
        differing = versions_differing([run.payload for run in members])
        if differing:
            log.warning(
                "the runs of the front of %s · %s ran on other library versions or code (%s); "
                "their points are compared on one front all the same: if a change between "
                "them touched the training, the attacks or the metrics, rerun them on one "
                "version, or report each version apart",
                dataset, model, differing,
            )


def _only_apart(evaluation: str) -> bool:
    """Whether a run's evaluation label only says its data or software differs (warned
    about by `mia_defense.report.runs`), not how it was attacked."""
    return all(item.startswith(("data=", "software=")) for item in evaluation.split("; "))


def _fronts(report: Report, leakage: str) -> dict[tuple[str, str], list[int]]:
    """Per (dataset, model), the front of test accuracy against ``leakage`` (``leak_tpr``,
    ``leak_auc``) over the rows' means, the rows of `_understated_rows` left out."""
    left_off = _understated_rows(report)
    return pareto_fronts(
        [g.pair for g in report.groups],
        [g.test_accuracy.value for g in report.groups],
        [math.nan if i in left_off else getattr(g, leakage).value
         for i, g in enumerate(report.groups)],
    )


def _understated_rows(report: Report) -> dict[int, list[str]]:
    """The rows holding a run whose black-box figures understate its leak (its caveat starts
    as one of `UNDERSTATED_CAVEATS`: inverted attack scores, saturated outputs), each with
    why: its leak is larger than its figures, which put it on the front, the least leaking,
    pushing off the rows it seemed to beat (a search gets it as the most leaking:
    `mia_defense.report.objectives.understated_leak`)."""
    named: dict[str, set[str]] = {}
    for name, note in report.caveats:
        for start, why in UNDERSTATED_CAVEATS.items():
            if note.startswith(start):
                named.setdefault(name, set()).add(why)
    rows = {i: sorted({w for r in g.runs for w in named.get(r.name, ())})
            for i, g in enumerate(report.groups)}  # fmt: skip
    return {i: why for i, why in rows.items() if why}


def _write_tables(report: Report) -> None:
    """tradeoff.csv and .md (the rows), runs.csv (every run), not_ranked.csv, alone."""
    staged = Staged(report.out_dir)
    try:
        _stage_tables(report, staged)
        staged.commit()
    finally:
        staged.close()


def _stage_tables(report: Report, staged: Staged) -> None:
    """tradeoff.csv and .md (the rows), runs.csv (every run), not_ranked.csv."""
    out_dir, groups = report.out_dir, report.groups
    on_front = {i for front in report.fronts.values() for i in front}
    careful = careful_rows(report)
    headers, rows = table_rows(groups, front=on_front, careful=careful)
    staged.write(out_dir / "tradeoff.csv", lambda tmp: write_csv(tmp, headers, rows))
    sections = [caveats_markdown(report.caveats), not_ranked_markdown(report.not_ranked)]
    # (tradeoff.md's family marked as the fronts show it; the CSV's left to group by)
    family = headers.index("family")
    shown = [[*row[:family], family_text(g), *row[family + 1 :]]
             for row, g in zip(rows, groups, strict=True)]  # fmt: skip
    markdown = (
        f"{report.grouping}\n\n"
        + markdown_table(headers, shown, leave_out=("runs",))
        + "".join("\n" + section for section in sections if section)
    )
    staged.write(out_dir / "tradeoff.md", lambda tmp: tmp.write_bytes(utf8(markdown)))
    front_runs = {id(r) for i in on_front for r in groups[i].runs}
    per_run = group_runs(report.summaries, by=(PER_RUN,))
    noted = {name for name, _ in report.caveats}
    headers, rows = table_rows(
        per_run, front={i for i, g in enumerate(per_run) if id(g.runs[0]) in front_runs},
        careful={i for i, g in enumerate(per_run) if g.runs[0].name in noted},
    )  # fmt: skip
    staged.write(out_dir / "runs.csv", lambda tmp: write_csv(tmp, headers, rows))
    staged.write(out_dir / "not_ranked.csv",
                 lambda tmp: write_csv(tmp, ["run", "reason"], report.not_ranked))  # fmt: skip
    report.files.update(
        csv=out_dir / "tradeoff.csv", markdown=out_dir / "tradeoff.md",
        runs_csv=out_dir / "runs.csv", not_ranked=out_dir / "not_ranked.csv",
    )  # fmt: skip


def _write(
    report: Report, sources: Sequence[Path], *, tensorboard: bool, roc_runs: int, charts: bool
) -> None:
    """Write the report files of ``report``'s rows; see `write_report`."""
    out_dir, groups = report.out_dir, report.groups
    report.fronts = _fronts(report, "leak_tpr")
    position = {id(s): i for i, s in enumerate(report.summaries)}
    report.front = [
        position[id(r)] for front in report.fronts.values() for i in front for r in groups[i].runs
    ]
    staged = Staged(out_dir)
    try:
        _stage_tables(report, staged)
        pngs = _write_charts(report, roc_runs, staged) if charts else {}
        fronts_md = _fronts_markdown(report)
        summary = _summary_markdown(report, sources, fronts_md, tensorboard=tensorboard)
        staged.write(out_dir / "README.md", lambda tmp: tmp.write_bytes(utf8(summary)))
        report.files["summary"] = out_dir / "README.md"
        staged.commit()
    finally:
        staged.close()
    for name in CHARTS:  # an earlier report's chart that this one does not draw would stay
        if name not in pngs:
            (out_dir / f"{name}.png").unlink(missing_ok=True)
    if tensorboard:
        _log_tensorboard(out_dir / "tb", pngs, f"{report.grouping}\n\n{fronts_md}")
        report.files["tensorboard"] = out_dir / "tb"
    else:  # an earlier report's figures would stay in view beside a report that has none
        _remove(_report_events(out_dir / "tb"))


def _write_charts(report: Report, roc_runs: int, staged: Staged) -> dict[str, bytes]:
    """Draw the charts, write each as ``NAME.png`` and return ``{name: PNG bytes}``."""
    groups = report.groups
    careful = careful_rows(report)
    figures = {
        "tradeoff_tpr": tradeoff_figure(
            groups,
            leakage="leak_tpr",
            fronts=report.fronts,
            careful=careful,
            not_ranked=len(report.not_ranked),
        ),
        "tradeoff_auc": tradeoff_figure(
            groups,
            leakage="leak_auc",
            fronts=_fronts(report, "leak_auc"),
            careful=careful,
            not_ranked=len(report.not_ranked),
        ),
    }
    selected, left_out = _roc_selection(report, roc_runs)
    roc = runs_roc_figure([run for run, _ in selected], labels=[text for _, text in selected],
                          left_out=left_out)  # fmt: skip
    if roc is not None:
        figures["roc"] = roc
    pngs: dict[str, bytes] = {}
    for name, fig in figures.items():

        def write(tmp: Path, name: str = name, fig: Figure = fig) -> None:
            pngs[name] = save_figure(fig, tmp)

        staged.write(report.out_dir / f"{name}.png", write)
        report.files[name] = report.out_dir / f"{name}.png"
    return pngs
