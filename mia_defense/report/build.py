"""Write the report of a sweep: table (CSV, Markdown), charts (PNG), summary, TensorBoard."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
import re
import shutil
import socket
import stat
import struct
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2
from tensorboard.plugins.text import metadata as text_metadata
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from mia_defense.errors import ConfigError, DataError, counted, first_few
from mia_defense.files import events_write, stale_temp_files, write_advice
from mia_defense.report.charts import (
    family_text,
    runs_roc_figure,
    save_figure,
    tradeoff_figure,
)
from mia_defense.report.checks import IDLE_MARK, UNDERSTATED_CAVEATS, PrintableLog, one_line
from mia_defense.report.groups import PER_RUN, RunGroup, describe_grouping, group_runs
from mia_defense.report.pareto import pareto_fronts
from mia_defense.report.rows import table_rows
from mia_defense.report.runs import (
    EARLY_MARKS,
    RESULTS,
    LoadedRuns,
    RunRecord,
    load_runs,
    versions_differing,
)
from mia_defense.report.table import (
    BASELINE,
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

__all__ = ["FRONT_AUC", "IDLE_FRONT", "READ_WITH_CARE", "REPORT_FILES", "Report",
           "careful_rows", "check_out_dir", "family_text", "read_with_care", "write_report"]

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


def _roc_selection(report: Report, limit: int) -> list[tuple[RunSummary, str]]:
    """(run, legend) worth a ROC curve: the first run of up to two undefended rows, then of
    each front's rows; at most ``limit``."""
    groups = report.groups
    several = len(report.fronts) > 1
    ranks = {i: rank for front in report.fronts.values() for rank, i in enumerate(front, 1)}
    chosen = [i for i, g in enumerate(groups) if g.family == BASELINE][:2]
    chosen += [i for front in report.fronts.values() for i in front if i not in chosen]
    selection = []
    for i in chosen[:limit]:
        g = groups[i]
        legend = f"#{ranks[i]} {g.label}" if i in ranks else g.label
        if several:
            legend = f"{g.dataset}·{g.model} {legend}"
        if g.n > 1:
            legend += f" (seed {g.runs[0].seed})"
        selection.append((g.runs[0], legend))
    return selection


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
    if any(report.groups[i].defenses_idle for front in report.fronts.values() for i in front):
        lines[0] += " " + IDLE_FRONT
    if careful:
        lines[0] += (
            f" A row marked {READ_WITH_CARE} holds a run listed under \"Figures to read with "
            "care\": its leakage may be understated (a TPR below the resolution of its scores, "
            "suspect masks) or its ε no guarantee, or its test "
            "accuracy not established (a small test set, or not above chance on it), or its "
            "defense did not act (its models trained, or their outputs were released, as "
            "without it), or its figures not "
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
    lines = [
        "| # | row | family | n | test accuracy [95% CI] | TPR@0.1%FPR [95% CI] | "
        "AUC [95% CI] | ε |",
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
        _SUMMARY_TITLE,
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


def _utf8(text: str) -> bytes:
    """``text`` as UTF-8 whatever the locale (the report writes ε, ∞, ·); a run folder named
    in bytes that are not UTF-8 (a lone surrogate in Python) as ``\\udcXX``, never a
    UnicodeEncodeError."""
    return text.encode("utf-8", errors="backslashreplace")


def _text_summary(tag: str, text: str) -> summary_pb2.Summary:
    """What ``SummaryWriter.add_text`` writes (its tag ends in ``/text_summary``)."""
    shape = tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)])
    tensor = tensor_pb2.TensorProto(dtype="DT_STRING", string_val=[_utf8(text)],
                                    tensor_shape=shape)  # fmt: skip
    meta = text_metadata.create_summary_metadata(display_name=None, description=None)
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, metadata=meta,
                                                                tensor=tensor)])  # fmt: skip


_FIX_OUT = "choose another report directory (mia-report --out DIR)"
# The files a report writes into its directory (tb/ only gains event files), and the mark
# it leaves there first, so that writing the report again may replace them.
CHARTS = ("tradeoff_tpr", "tradeoff_auc", "roc")
REPORT_FILES = ("tradeoff.csv", "tradeoff.md", "runs.csv", "not_ranked.csv",
                *(f"{name}.png" for name in CHARTS), "README.md")  # fmt: skip
REPORT_MARK = ".mia-report"
# In a report's folder from its commit's first rename until the report is whole (its
# TensorBoard copy and mark written), so that a report killed part way (SIGKILL, the OOM
# killer) is never read as whole: its files may mix two reports until one is written whole.
REPORT_INCOMPLETE = "INCOMPLETE.txt"
_INCOMPLETE_TEXT = (
    "mia-report stopped while writing the report in this folder (killed, or stopped by an\n"
    "error or Ctrl-C after its files were moved in): its files may mix this report with an\n"
    "earlier one, so read none of them as a report. Run the same mia-report command again:\n"
    "it puts back what it can of the earlier report, writes the report whole and removes\n"
    "this file.\n"
)
_SUMMARY_TITLE = "# Privacy-utility tradeoff"


# What the mark says to whoever opens it.
_MARK_TEXT = (
    "This folder holds a report of mia-report: running it again with --out here rewrites the\n"
    "report's files (" + ", ".join(REPORT_FILES) + ", tb/) and leaves others alone.\n"
)
# Always written by a report, of any version: with the summary's title, a report's folder
# written before the mark existed.
_ALWAYS_WRITTEN = ("README.md", "tradeoff.csv", "tradeoff.md")


# The mark's line naming the folders its report read (a JSON list of paths relative to the
# report's folder; absolute before 2026-12-06): a report of other folders written there
# replaced it without a word (`_check_same_sources`). Relative, a sweep moved or copied with
# its report inside (``mv multirun/2026-12-06 archive/``, ``rsync``) still names its own.
_SOURCES_LINE = "sources: "
# The most of a mark read: one line per report, its sources' paths.
_MARK_LIMIT = 1 << 20


def _mark_text(sources: Sequence[Path], out_dir: Path) -> str:
    """The mark's text in ``out_dir``, naming ``sources`` relative to it (none named: a
    report of unknown folders)."""
    if not sources:
        return _MARK_TEXT
    here = _source_key(out_dir)
    keys = json.dumps([os.path.relpath(_source_key(p), here) for p in sources])  # ASCII
    return (
        f"{_MARK_TEXT}It reports on the folders below; a report of other folders is refused "
        f"here unless given --replace.\n{_SOURCES_LINE}{keys}\n"
    )


def _source_key(path: Path) -> str:
    """A folder the report reads as its mark records it: absolute, links followed, so that
    ``sweep``, ``./sweep/`` and a link to it are one."""
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError):  # a link loop: as given
        return os.path.abspath(path)


# How every mark of mia-report's has begun since it held text (18903c6); before, the mark
# was an empty file (`touch`), and a mark written in place (not yet through `_replace`)
# could be cut short by a full disk: such marks are a report's, of unknown folders.
_MARK_OPENING = "This folder holds a report of mia-report"


def _read_mark(out_dir: Path) -> tuple[str, bool] | None:
    """The text of ``out_dir``'s mark (its first `_MARK_LIMIT` bytes) and whether there is
    more; ``None`` when it cannot be read."""
    try:
        with (out_dir / REPORT_MARK).open("rb") as handle:
            data = handle.read(_MARK_LIMIT + 1)
    except OSError:
        return None
    cut = len(data) > _MARK_LIMIT
    return data[:_MARK_LIMIT].decode("utf-8", errors="replace"), cut


def _parsed_sources(text: str) -> tuple[list[str] | None, bool]:
    """The folders a mark's ``text`` names (its sources line; ``None`` when it has none or
    it does not parse), and whether it has such a line."""
    for line in text.splitlines():
        if line.startswith(_SOURCES_LINE):
            try:
                value = json.loads(line.removeprefix(_SOURCES_LINE))
            except ValueError:
                return None, True
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value, True
            return None, True
    return None, False


def _marked_sources(out_dir: Path) -> list[str] | None:
    """The folders the report in ``out_dir`` read (its mark's sources line), absolute;
    ``None`` when unknown: a mark written before it named them, or edited."""
    read = _read_mark(out_dir)
    sources = None if read is None else _parsed_sources(read[0])[0]
    if sources is None:
        return None
    here = _source_key(out_dir)
    return [os.path.normpath(os.path.join(here, p)) for p in sources]  # (absolute: as is)


def _moved_here(earlier: Sequence[str], now: Sequence[str], out_dir: Path) -> bool:
    """Whether the folders a mark names (``earlier``, absolute: a mark written before marks
    were relative) are ``now``, moved with the report: they are gone, and ``now`` are they
    shifted by one move of a parent of them and of the report (``multirun/2026-12-06/sweep``
    and its report in it, moved to ``archive/2026-12-06/sweep``)."""
    if not earlier or any(os.path.lexists(p) for p in earlier):
        return False  # (still there: a copy's, or another folder's report)
    base = os.path.commonpath([_source_key(out_dir), *now])
    if base in now:  # (each keeps at least its own name: ``a`` and ``b`` of ``p`` -> ``q``)
        base = os.path.dirname(base)
    moved = [os.path.relpath(p, base) for p in now]
    first = earlier[0]
    for tail in moved:
        if first.endswith(os.sep + tail):
            old_base = first[: -len(tail) - 1]
            if {os.path.join(old_base, t) for t in moved} == set(earlier):
                return True
    return False


def _foreign_mark(out_dir: Path) -> str | None:
    """The start of ``out_dir``'s mark when no mia-report wrote it (empty or garbage text,
    a sources line that does not parse), else ``None``: such a mark was read as one written
    before marks named their folders, and a report of other folders replaced the report
    there without a word. Marks of earlier versions are a report's: empty (`touch`), cut
    short (a prefix of `_MARK_TEXT`), or `_MARK_OPENING` with no sources line."""
    read = _read_mark(out_dir)
    if read is None:
        return None
    text, cut = read
    if _MARK_TEXT.startswith(text):
        return None
    sources, has_line = _parsed_sources(text)
    if text.startswith(_MARK_OPENING) and (sources is not None or not has_line or cut):
        return None  # (cut: a sources line past the limit cannot be parsed: unknown)
    return one_line(repr(text[:60]), limit=80)


def _check_same_sources(out_dir: Path, sources: Sequence[Path]) -> None:
    """Refuse ``out_dir`` when it holds the report of other folders than ``sources`` (its
    mark names them): ``mia-report B --out A/report`` replaced sweep A's report with B's
    without a word. A mark no mia-report wrote (`_foreign_mark`) is refused as well."""
    if not sources or not _has_mark(out_dir):
        return
    now = [_source_key(p) for p in sources]

    def shown(paths: Sequence[str]) -> str:
        return first_few(paths, 3, each=lambda p: one_line(p, limit=200), more=True)

    foreign = _foreign_mark(out_dir)
    if foreign is not None:
        raise ConfigError(
            f"{out_dir / REPORT_MARK}: is not a mark mia-report writes (it starts {foreign}; "
            f"a report's starts {_MARK_OPENING!r}), so which folders the report in {out_dir} "
            f"read is unknown and a report of {shown(now)} could replace another's; pass "
            f"--replace to write this report there, or {_FIX_OUT}"
        )
    earlier = _marked_sources(out_dir)
    if earlier is None or set(earlier) == set(now) or _moved_here(earlier, now, out_dir):
        return
    raise ConfigError(
        f"{out_dir}: holds the report of {shown(earlier) or 'no folder'} (its {REPORT_MARK} "
        f"mark), not of {shown(now)}: this report would replace it; pass --replace to "
        f"replace it (nothing is lost when {shown(now)} is that folder moved or copied: its "
        f"report is written again), or {_FIX_OUT}"
    )


def _has_mark(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds the report's mark: a regular file, never a link (a link
    proves nothing, and touching it would create or change its target)."""
    mark = out_dir / REPORT_MARK
    return mark.is_file() and not mark.is_symlink()


def _a_reports_entry(name: str) -> bool:
    """Whether a report writes an entry of this ``name`` (its files, tb/, its temporary
    folders)."""
    return name in (*REPORT_FILES, REPORT_INCOMPLETE, "tb") or name.startswith(".mia-report-")


def _written_by_a_report(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a report of mia-report's: its mark, or (a report written
    before the mark existed) the files every report writes, a summary README.md that starts
    with the report's title, and nothing else. A README.md copied out of a report, alone or
    among files of the user's, does not make a folder a report's: those files would be
    overwritten."""
    if _has_mark(out_dir) and _foreign_mark(out_dir) is None:
        return True
    try:
        names = os.listdir(out_dir)
    except OSError:
        return False
    # (a mark no report wrote proves nothing: --replace would overwrite a README.md of
    # the user's beside it; the report's own files still tell a report's folder)
    names = [n for n in names if n != REPORT_MARK or not _has_mark(out_dir)]
    if not set(_ALWAYS_WRITTEN) <= set(names) or not all(map(_a_reports_entry, names)):
        return False
    if not (out_dir / "README.md").is_file():  # (a FIFO is never opened: it would block)
        return False
    try:
        with (out_dir / "README.md").open("rb") as handle:
            return handle.read(len(_SUMMARY_TITLE)) == _SUMMARY_TITLE.encode()
    except OSError:
        return False


def _foreign_file(out_dir: Path) -> str | None:
    """The first file of ``out_dir`` the report would overwrite that no report wrote."""
    if _written_by_a_report(out_dir):
        return None
    return next((name for name in REPORT_FILES if os.path.lexists(out_dir / name)), None)


def _check_empty_or_a_reports(out_dir: Path) -> None:
    """Refuse an existing ``out_dir`` holding anything (hidden files too) when no report
    wrote it: the report would scatter its files among the user's (a README.md, a chart of
    theirs, a project), and the next report's could not be told from theirs."""
    if not out_dir.is_dir() or _written_by_a_report(out_dir):
        return
    with os.scandir(out_dir) as entries:
        names = sorted(entry.name for _, entry in zip(range(4), entries, strict=False))
    if names:
        shown = first_few(names, 3, each=lambda n: one_line(repr(n)[1:-1], limit=60))
        raise ConfigError(
            f"{out_dir}: is not empty ({shown}) and holds "
            f"no earlier report (its {REPORT_MARK} mark); the report would write its files "
            f"among these: {_FIX_OUT}: an empty or new folder, or the folder of an earlier "
            "report"
        )


def _check_not_among_run_files(out_dir: Path) -> None:
    """Refuse an existing, non-empty ``out_dir`` inside a run directory that no report wrote
    (the run's tb/, checkpoints/...): the report would mix its files with the run's. A new
    folder in a run (``RUN/report``, the default for one run) or a report's own is fine."""
    if not out_dir.is_dir() or _written_by_a_report(out_dir):
        return
    with os.scandir(out_dir) as entries:
        if next(entries, None) is None:
            return
    run = next(
        (p for p in out_dir.resolve().parents
         if (p / RESULTS).is_file() or (p / ".hydra").is_dir()),
        None,
    )  # fmt: skip
    if run is not None:
        raise ConfigError(
            f"{out_dir}: lies in the run {run} and holds files of its own; {_FIX_OUT}, e.g. "
            f"{run / 'report'}"
        )


def _broken_link(path: Path) -> bool:
    return path.is_symlink() and not path.exists()


def check_out_dir(
    out_dir: Path,
    *,
    tensorboard: bool = True,
    sources: Sequence[Path] = (),
    replace: bool = False,
) -> None:
    """Create ``out_dir`` if needed and make sure the report of ``sources`` can be written
    there.

    Raises:
        ConfigError: ``out_dir`` is a file, lies under a file or a broken link, holds a
            run's results.json (the report would mix its files with the run's) or what a
            failed run leaves (its train.log), holds a file of a report's
            name that no report wrote (a README.md of your own: it would be overwritten),
            holds anything else while no report wrote it (`_check_empty_or_a_reports`),
            holds a ``tb`` that is a link or no folder (with ``tensorboard``) or cannot be
            written, or (unless ``replace``) holds the report of other folders than
            ``sources`` (`_check_same_sources`).
    """
    out_dir = Path(out_dir)
    broken = next((p for p in (out_dir, *out_dir.parents) if _broken_link(p)), None)
    if broken is not None:  # (it read "exists and is not a directory", or "is a file")
        raise ConfigError(
            f"{out_dir}: {broken} is a broken link (to {os.readlink(broken)}); create that "
            f"folder, or {_FIX_OUT}"
        )
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: exists and is not a directory; {_FIX_OUT}")
    events = out_dir / "tb"
    if tensorboard and (events.is_symlink() or (os.path.lexists(events) and not events.is_dir())):
        # the writer would follow the link into another folder, or fail on the file only
        # after the tables were written, with a message about disk space
        raise ConfigError(
            f"{events}: is {'a link' if events.is_symlink() else 'not a directory'}, where "
            f"the report writes its TensorBoard events; remove it, pass --no-tensorboard, or "
            f"{_FIX_OUT}"
        )
    parent = next((p for p in out_dir.parents if os.path.lexists(p)), None)
    if parent is not None and not parent.is_dir():
        raise ConfigError(f"{out_dir}: {parent} is a file, not a directory; {_FIX_OUT}")
    if (out_dir / RESULTS).exists():
        raise ConfigError(f"{out_dir}: holds a run's {RESULTS}; {_FIX_OUT} outside the run")
    if (out_dir / ".hydra").is_dir():
        raise ConfigError(
            f"{out_dir}: holds a run's .hydra/ (a run that failed or is still running: the "
            f"report would mix its files with the run's); {_FIX_OUT} outside the run"
        )
    mark = next((m for m in EARLY_MARKS if os.path.isfile(out_dir / m)), None)
    if mark is not None:
        raise ConfigError(
            f"{out_dir}: holds a run's {mark} (a run that failed or is still running: the "
            f"report would mix its files with the run's); {_FIX_OUT} outside the run"
        )
    _check_not_among_run_files(out_dir)
    foreign = _foreign_file(out_dir) if out_dir.is_dir() else None
    if foreign:
        raise ConfigError(
            f"{out_dir}: holds {foreign}, which mia-report did not write and would overwrite "
            f"(a report writes {', '.join(REPORT_FILES)}); {_FIX_OUT}, e.g. an empty one"
        )
    _check_empty_or_a_reports(out_dir)
    if not replace:
        _check_same_sources(out_dir, sources)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=out_dir, prefix=".mia-report-", suffix=".probe")
        os.close(handle)
        os.unlink(probe)
        if not _has_mark(out_dir):  # this directory holds a report: it may be rewritten
            # whole or not at all: a mark cut by a full disk named no folder, and a report
            # of other folders then took this one as its own
            mark = _utf8(_mark_text(sources, out_dir))
            _replace(out_dir / REPORT_MARK, lambda tmp: tmp.write_bytes(mark))
    except OSError as exc:
        raise ConfigError(
            f"{out_dir}: cannot write there ({exc.strerror or exc}); {_FIX_OUT}"
        ) from None


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
            (`_sole_writer`); nothing is written then.
    """
    sources = [Path(p) for p in paths]
    if not replace and Path(out_dir).is_dir():  # before reading thousands of runs
        _check_same_sources(Path(out_dir), sources)
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
        caveats=[(run.name, note) for run, note in loaded.caveats],
    )  # fmt: skip
    with _sole_writer(out_dir):
        if not replace:  # (a report of other folders may have ended there since the check)
            _check_same_sources(out_dir, sources)
        _roll_back_killed_commits(out_dir)
        _remove_stale_temp_folders(out_dir)  # (a report's folder, or a new or empty one)
        try:
            _write(report, sources, tensorboard=tensorboard, roc_runs=roc_runs, charts=charts)
            # the report is whole: its mark now names what it read
            mark = _utf8(_mark_text(sources, out_dir))
            _replace(out_dir / REPORT_MARK, lambda tmp: tmp.write_bytes(mark))
            _remove_incomplete(out_dir)  # (last: the report is whole)
        except OSError as exc:
            raise DataError(
                f"{exc.filename or out_dir}: cannot write the report ({exc.strerror or exc}); "
                f"{write_advice(exc, fix=_FIX_OUT, where='mia-report --out DIR')}"
            ) from None
    return report


@contextlib.contextmanager
def _sole_writer(out_dir: Path) -> Iterator[None]:
    """Hold an OS lock on the folder ``out_dir`` itself (no file of its own; released on
    exit or death) while the body writes the report. Two reports written into one folder at
    once (two sweeps reported in parallel with one --out, a report run again while the
    first was drawing) moved their files in one by one, each over the other's: tables of
    one beside the charts and summary of the other, and a mark naming either.

    Raises:
        ConfigError: another process holds the lock: another mia-report is writing there.
    """
    try:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # a folder this user may write but not read (mode -wx): written unlocked
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"{out_dir}: another mia-report is writing its report there now; run this one "
                f"again once it has ended, or {_FIX_OUT}"
            ) from None
        except OSError:  # no lock to be had (no locks on the file system; NFS: EBADF, its
            pass  # exclusive locks need a file open for writing): written unlocked
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


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


def _host() -> str:
    """This machine's name as a temporary folder's name holds it (`_tmp_folder_prefix`)."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:64] or "_"


def _tmp_folder_prefix() -> str:
    """The start of `_replace`'s temporary folder's name: ``.mia-report-<pid>@<host>.``
    (tempfile adds 8 characters of its own), so that a later report can tell the folders of
    a writer killed while writing (`_remove_stale_temp_folders`)."""
    return f".mia-report-{os.getpid()}@{_host()}."


def _tmp_folder_pattern() -> re.Pattern[str]:
    """The exact name of a `_replace` temporary folder made on this machine; its ``pid``
    group is its writer's process id (`stale_temp_files`). Folders of other machines (a
    shared file system) never match: their process ids mean nothing here."""
    return re.compile(
        rf"\.mia-report-(?P<pid>[1-9][0-9]*)@{re.escape(_host())}\.[a-z0-9_]{{8}}"
    )


def _remove_stale_temp_folders(out_dir: Path) -> None:
    """Remove, with an INFO line naming them, the temporary folders of `_replace` that a
    report killed while writing (SIGKILL, the OOM killer) left in ``out_dir``: no reader
    takes them, and each such death added one. A folder counts only when its name is
    exactly `_tmp_folder_pattern`'s (this machine), it is a folder of this user (no link),
    its writer's process id is no live process (`stale_temp_files`), or it bears the old
    name without one and is over an hour old (`_old_temp_folders`), and it holds nothing
    but regular files of a report's names (the one file it was writing); anything else is
    left, and so is a folder that cannot be removed."""
    removed = []
    names = {*REPORT_FILES, REPORT_MARK}
    stale = stale_temp_files(out_dir, pattern=_tmp_folder_pattern(), folders=True)
    for folder in [*stale, *_old_temp_folders(out_dir)]:
        try:
            with os.scandir(folder) as entries:
                inside = list(entries)
            if not all(e.name in names and e.is_file(follow_symlinks=False) for e in inside):
                continue
            for entry in inside:
                os.unlink(entry.path)
            folder.rmdir()
        except OSError:
            continue
        removed.append(folder.name)
    if removed:
        log.info("%s: removed %s of reports killed while writing (their process is gone): %s",
                 out_dir, counted(len(removed), "temporary folder"), ", ".join(removed))


# The name of `_replace`'s temporary folders before they held their writer's process id
# and machine (tempfile's 8 characters after the prefix): nothing tells whether their writer
# lives, so such a folder is taken as a dead writer's once it is this many seconds old
# (a writer fills it with one file within seconds, then renames it away).
_OLD_TMP_FOLDER = re.compile(r"\.mia-report-[a-z0-9_]{8}")
_OLD_TMP_AGE = 3600.0


def _old_temp_folders(out_dir: Path) -> list[Path]:
    """`_replace`'s temporary folders of the old name (`_OLD_TMP_FOLDER`) in ``out_dir``,
    folders of this user (no link) older than `_OLD_TMP_AGE`: reports killed while writing
    before the names held a process id left them, and no report removed them. Sorted."""
    try:
        names = sorted(os.listdir(out_dir))
    except OSError:
        return []
    old = []
    for name in filter(_OLD_TMP_FOLDER.fullmatch, names):
        try:
            info = os.lstat(out_dir / name)
        except OSError:
            continue
        if (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
                and time.time() - info.st_mtime > _OLD_TMP_AGE):  # fmt: skip
            old.append(out_dir / name)
    return old


def _replace(path: Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` to a temporary file beside ``path``, then rename it into place: an
    interrupted or failed write leaves the previous report's file whole, never half of it."""
    folder = Path(tempfile.mkdtemp(dir=path.parent, prefix=_tmp_folder_prefix()))
    tmp = folder / path.name  # the same name, in a folder of its own beside it
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:  # named by the file it was for (a failed write names none)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()


class _Staged:
    """A report's files written into one temporary folder beside them (`_tmp_folder_prefix`,
    so a killed writer's is removed by the next report), then moved into place together
    (`commit`): a rerun stopped or failing part way (Ctrl-C while drawing the charts, a
    full disk) left new tables beside the earlier report's charts and summary, its front
    still showing a run since deleted; now it leaves the earlier report whole. The earlier
    report's files are kept (hard links, in a second such folder) until every file is in
    place, so that a rename failing or a Ctrl-C between two renames puts them back."""

    def __init__(self, out_dir: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(dir=out_dir, prefix=_tmp_folder_prefix()))
        self.files: dict[Path, Path] = {}
        self.earlier: Path | None = None  # the folder of the earlier files (`commit`)

    def write(self, path: Path, write: Callable[[Path], None]) -> None:
        """``write(tmp)`` for the report's file ``path``; an error names ``path``."""
        tmp = self.folder / path.name
        try:
            write(tmp)
        except OSError as exc:  # named by the file it was for (a failed write names none)
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        self.files[path] = tmp

    def commit(self) -> None:
        """Rename every file written into place (one folder: renames, no copies), all or
        none: where a rename fails or is interrupted, the files already moved in give way
        to the earlier report's again (`_roll_back`). A writer killed between two renames
        (SIGKILL, the OOM killer) leaves the report mixed, and the earlier files and its
        journal (`_JOURNAL`: each file before its rename) in a folder that the next report
        reads to put them back (`_roll_back_killed_commits`) before it writes its own."""
        self.earlier = Path(tempfile.mkdtemp(dir=self.folder.parent, prefix=_tmp_folder_prefix()))
        done: list[tuple[Path, Path | None]] = []  # (file moved in, the earlier one kept)
        journal = os.open(self.earlier / _JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        marked = False  # (whether this commit wrote the folder's REPORT_INCOMPLETE)
        try:
            _note(journal, _STAGED, self.folder.name)
            marked = _mark_incomplete(self.folder.parent, journal)
            for path, tmp in self.files.items():
                # listed before the rename: a Ctrl-C just after it puts this one back too
                done.append((path, _keep(path, self.earlier / path.name)))
                _note(journal, path.name, _KEPT_AS.get(done[-1][1], "kept"))
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    raise OSError(exc.errno, exc.strerror, str(path)) from None
            _note(journal, _DONE, "")  # (killed after this: the new report is whole)
        except BaseException:  # (KeyboardInterrupt too)
            if _roll_back(done) and marked:  # the earlier report is as it was
                _remove_incomplete(self.folder.parent)
            raise
        finally:
            os.close(journal)

    def close(self) -> None:
        """Remove what was not moved into place, the earlier files kept, and the folders."""
        for tmp in self.files.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        for folder in (self.folder, self.earlier):
            if folder is None:
                continue
            with contextlib.suppress(OSError):
                for entry in folder.iterdir():  # a file cut where its write failed
                    if entry.name in (*REPORT_FILES, _JOURNAL):
                        entry.unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()


# `_keep`'s answer for an earlier file it could not keep: left as the new one on a roll-back.
_NOT_KEPT = Path()

# The journal of a commit, in the folder of the earlier files it keeps: a line naming the
# folder of the staged files, then, before each rename, the file's name and what was kept of
# the earlier one (`_KEPT_AS`; else "kept": its hard link beside the journal), then a last
# line once every file is in place. Each line is one write to a file opened for appending.
_JOURNAL = "commit-journal"
_STAGED, _DONE = "<staged>", "<done>"
# The journal's line saying the commit wrote REPORT_INCOMPLETE (none was there before it).
_MARKED = "<incomplete>"
_KEPT_AS: dict[Path | None, str] = {None: "none", _NOT_KEPT: "not-kept"}


def _note(journal: int, name: str, value: str) -> None:
    """One line ``name<TAB>value`` of the commit journal (file descriptor ``journal``)."""
    os.write(journal, f"{name}\t{value}\n".encode())


def _mark_incomplete(out_dir: Path, journal: int) -> bool:
    """Write ``out_dir``'s `REPORT_INCOMPLETE` where there is none (never through a link:
    O_EXCL), noted in the commit's ``journal`` first; returns whether this wrote it."""
    if os.path.lexists(out_dir / REPORT_INCOMPLETE):  # (an earlier report stopped part way)
        return False
    _note(journal, _MARKED, "")
    fd = os.open(out_dir / REPORT_INCOMPLETE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, _utf8(_INCOMPLETE_TEXT))
    except OSError:  # (a full disk: the file's name says it, empty)
        pass
    finally:
        os.close(fd)
    return True


def _remove_incomplete(out_dir: Path) -> None:
    """Remove ``out_dir``'s `REPORT_INCOMPLETE`: the folder holds a whole report again."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out_dir / REPORT_INCOMPLETE)


def _roll_back_killed_commits(out_dir: Path) -> None:
    """Put back the earlier report's files that a report killed while moving its own into
    place (`_Staged.commit`: SIGKILL, the OOM killer, a power cut) replaced: its journal
    names each file before its rename, and the earlier one is kept beside it. A killed
    report left tables of the new report beside the summary and charts of the earlier one,
    and the next report removed the earlier files kept (`_remove_stale_temp_folders`): a
    report killed again, or refused, left that mix for good. Only the folders of writers
    that are gone (`stale_temp_files`); a commit whose journal says it ended is left as it
    is. Call it holding the folder's lock (`_sole_writer`), before
    `_remove_stale_temp_folders`, which then removes the folders."""
    for folder in stale_temp_files(out_dir, pattern=_tmp_folder_pattern(), folders=True):
        journal = folder / _JOURNAL
        if journal.is_symlink() or not journal.is_file():  # (a FIFO, opened, blocked for good)
            continue  # no journal: a folder of staged files, or of an older version
        try:
            text = journal.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines = [line.split("\t") for line in text.split("\n")[:-1]]  # (whole lines only)
        lines = [line for line in lines if len(line) == 2]
        staged = lines[0][1] if lines and lines[0][0] == _STAGED else ""
        moves = [(name, how) for name, how in lines[1:] if name in REPORT_FILES]
        put_back, whole = [], True
        if staged and _tmp_folder_pattern().fullmatch(staged) and not any(
                name == _DONE for name, _ in lines):  # fmt: skip
            for name, how in reversed(moves):
                if (out_dir / staged / name).exists():
                    continue  # not moved in yet: the earlier file is still in place
                try:
                    if how == "kept":
                        os.replace(folder / name, out_dir / name)
                    elif how == "none":
                        (out_dir / name).unlink(missing_ok=True)  # (moved in over no file)
                    else:
                        whole = False
                        continue  # (the earlier file could not be kept)
                except OSError:
                    whole = False
                    continue
                put_back.append(name)
            if whole and any(name == _MARKED for name, _ in lines):  # (the killed one's)
                _remove_incomplete(out_dir)
        with contextlib.suppress(OSError):
            (folder / _JOURNAL).unlink()
        if put_back:
            log.warning(
                "%s: a report killed while moving its files into place (process %s) had "
                "replaced part of the earlier report; put back the earlier report's %s",
                out_dir, _tmp_folder_pattern().fullmatch(folder.name)["pid"],
                ", ".join(reversed(put_back)),
            )  # fmt: skip


def _keep(path: Path, kept: Path) -> Path | None:
    """Keep the earlier report's file at ``path`` as ``kept`` (a hard link; a copy on a file
    system without them) for `_roll_back`, and return ``kept``; ``None`` where there is no
    such file, `_NOT_KEPT` where it cannot be kept."""
    try:
        os.link(path, kept, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError:
        try:
            shutil.copyfile(path, kept, follow_symlinks=False)
        except OSError:
            return _NOT_KEPT
    return kept


def _roll_back(done: Sequence[tuple[Path, Path | None]]) -> bool:
    """Put back the earlier report's file of each ``(path, kept)`` moved in (``kept``: its
    copy; ``None``: there was none, so the new one is removed; `_NOT_KEPT`: left as it is),
    the last first; a file that cannot be put back is left too (the error that stopped the
    commit is raised). Returns whether every file was put back."""
    whole = True
    for path, kept in reversed(done):
        try:
            if kept is None:
                path.unlink()
            elif kept is not _NOT_KEPT:
                os.replace(kept, path)
            else:
                whole = False
        except FileNotFoundError:  # (no file moved in yet, nor one before: as it was)
            continue
        except OSError:
            whole = False
    return whole


def _write_tables(report: Report) -> None:
    """tradeoff.csv and .md (the rows), runs.csv (every run), not_ranked.csv, alone."""
    staged = _Staged(report.out_dir)
    try:
        _stage_tables(report, staged)
        staged.commit()
    finally:
        staged.close()


def _stage_tables(report: Report, staged: _Staged) -> None:
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
    staged.write(out_dir / "tradeoff.md", lambda tmp: tmp.write_bytes(_utf8(markdown)))
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
    staged = _Staged(out_dir)
    try:
        _stage_tables(report, staged)
        pngs = _write_charts(report, roc_runs, staged) if charts else {}
        fronts_md = _fronts_markdown(report)
        summary = _summary_markdown(report, sources, fronts_md, tensorboard=tensorboard)
        staged.write(out_dir / "README.md", lambda tmp: tmp.write_bytes(_utf8(summary)))
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


def _write_charts(report: Report, roc_runs: int, staged: _Staged) -> dict[str, bytes]:
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
    selected = _roc_selection(report, roc_runs)
    roc = runs_roc_figure([run for run, _ in selected], labels=[text for _, text in selected])
    if roc is not None:
        figures["roc"] = roc
    pngs: dict[str, bytes] = {}
    for name, fig in figures.items():

        def write(tmp: Path, name: str = name, fig: Figure = fig) -> None:
            pngs[name] = save_figure(fig, tmp)

        staged.write(report.out_dir / f"{name}.png", write)
        report.files[name] = report.out_dir / f"{name}.png"
    return pngs
