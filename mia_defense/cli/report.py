"""`mia-report`: the privacy-utility tradeoff of a sweep (table with 95% intervals, runs of
several seeds as one row, charts, one Pareto front per dataset and model).

The report (`mia_defense.report`: matplotlib, TensorBoard) is imported once the arguments
are parsed, so that ``mia-report --help`` and a usage error answer at once.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mia_defense.cli.commands import (
    lenient_stdout,
    quiet_stdout,
    shell_path,
    tool_command,
    umask_refusal,
)
from mia_defense.errors import MiaDefenseError
from mia_defense.library_call import main_state_kept

if TYPE_CHECKING:
    from mia_defense.report import Report

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mia-report",
        description="Read every run's results.json under the given sweep or run directories "
        "and write the tradeoff table (CSV, Markdown), charts (PNG) with the Pareto front, "
        "a summary page, and the same figures to TensorBoard. Runs that differ only in their "
        "seeds are one row (mean, 95% interval, spread, n); each figure carries its 95% "
        "interval; one Pareto front per (dataset, model). Broken runs are skipped; diverged "
        "runs and runs at chance accuracy are listed apart, never ranked.",
    )
    parser.add_argument("dirs", nargs="+", type=_path, help="sweep roots or run directories")
    parser.add_argument(
        "-o", "--out", type=_path, default=None,
        help="report directory (default: <first dir>/report, so the TensorBoard figures "
        "sit under the sweep root)",
    )  # fmt: skip
    parser.add_argument(
        "--replace", action="store_true",
        help="write into --out even when it holds the report of other sweep or run "
        "directories (its .mia-report mark names them), replacing that report",
    )  # fmt: skip
    parser.add_argument("--no-tensorboard", action="store_true", help="skip TensorBoard")
    parser.add_argument(
        "--no-charts", action="store_true",
        help="tables and summary only, no PNG charts (drawing them is most of a report's time)",
    )  # fmt: skip
    parser.add_argument("--roc-runs", type=_count, default=6, help="runs with a ROC curve (6)")
    parser.add_argument(
        "--group-by", metavar="KEY[,KEY]", default=None,
        help="one row per value of these config keys (dotted, as in results.json's config, "
        "e.g. defense.dp.target_epsilon,train.epochs), averaging the runs that share them; "
        "dataset and model always stay apart; 'run': one row per run (default: runs that "
        "differ only in their seeds share a row)",
    )  # fmt: skip
    return parser


def _path(text: str) -> Path:
    """A path argument, never empty: ``Path("")`` is the working directory, so
    ``mia-report "$SWEEP"`` with SWEEP unset walked it all (a home folder) and wrote there.
    A leading ``~`` is the home folder, as the shell would have made it: ``--out=~/reports``
    (no expansion after ``=``) made a folder named ``~`` in the working directory, one that
    ``rm -rf ~`` then removes with the home folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r} is an empty path (an unset shell variable?); give a directory"
        )
    from mia_defense.constraints import shown_path
    from mia_defense.errors import ConfigError
    from mia_defense.files import UnknownHomeError, home_expanded, path_text_problem

    try:
        return home_expanded(text, where="mia-report")
    except UnknownHomeError as exc:  # (argparse's own line, which names the argument)
        raise argparse.ArgumentTypeError(
            f"{shown_path(text, quoted=True)}: cannot tell which home folder "
            f"{shown_path(exc.home)} is; give the full path"
        ) from None
    except ConfigError:  # (a NUL, from Python's main([...]): argparse's 'invalid _path value')
        raise argparse.ArgumentTypeError(
            f"{shown_path(text, quoted=True)}: {path_text_problem(text)}; give a directory"
        ) from None


def _count(text: str) -> int:
    """A non-negative integer argument."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count; give 0 or more")
    return value


def _default_out(dirs: Sequence[Path]) -> Path:
    """``report/`` under the first of ``dirs`` that is a directory (under the first if none)."""
    return next((d for d in dirs if d.is_dir()), dirs[0]) / "report"


def _print_report(report: Report) -> None:
    """What was ranked, how runs were grouped, each (dataset, model)'s Pareto front, the runs
    left out and where the files are."""
    from mia_defense.errors import counted
    from mia_defense.report.build import (
        FRONT_AUC,
        READ_WITH_CARE,
        careful_idle,
        careful_rows,
        family_text,
        idle_front,
    )
    from mia_defense.report.checks import one_line, printable

    careful = careful_rows(report, [i for front in report.fronts.values() for i in front])

    unranked = len(report.not_ranked) - len(report.skipped)
    print(f"{counted(len(report.summaries), 'run')} reported, {len(report.skipped)} skipped, "
          f"{unranked} not ranked")  # fmt: skip
    print(f"{counted(len(report.groups), 'row')}. {report.grouping}")
    for (dataset, model), front in report.fronts.items():
        dataset, model = one_line(dataset, limit=300), one_line(model, limit=300)
        print(f"Pareto front of {dataset} · {model} (test accuracy up, strongest attack's "
              "TPR@0.1%FPR down; figures: mean [95% interval]):")  # fmt: skip
        for rank, i in enumerate(front, start=1):
            g = report.groups[i]
            label = one_line(g.label, limit=300)
            print(f"  {rank}. {label}  acc {g.test_accuracy.text(3)}  "
                  f"TPR@0.1%FPR {g.leak_tpr.text(4)}  AUC {g.leak_auc.text(3)}  n={g.n}  "
                  f"[{one_line(family_text(g), limit=300)}]"
                  + (f"  {READ_WITH_CARE}" if i in careful else ""))  # fmt: skip
    if report.fronts:
        print(FRONT_AUC)
    if idle_front(report):
        print(idle_front(report))
    if careful:
        print(f"{READ_WITH_CARE}: a run of the row has a caveat (logged above, and under "
              "'Figures to read with care' in the summary): its leakage may be understated "
              "or its ε no guarantee, or its test accuracy not established, or "
              f"{careful_idle(report, careful)}, or its figures not checked "
              "against its scores (scores.npz deleted)")  # fmt: skip
    # (Report.not_ranked: the runs not ranked, then the skipped ones; the skipped were listed
    # under 'not ranked (no privacy verdict)' below a count line saying '0 not ranked')
    for heading, runs in (("Runs not ranked (no privacy verdict):", report.not_ranked[:unranked]),
                          ("Runs skipped (unreadable, unfinished, or not the files the run "
                           "wrote):", report.not_ranked[unranked:])):
        if runs:
            print(heading)
        for run, reason in runs:
            # (a reason may quote another run's folder name: its escape codes shown as spaces)
            print(f"  {one_line(run, limit=300)}: {printable(reason)}")
    for kind, path in report.files.items():
        # a -o with a newline or an escape code: quoted (shell_path), never raw on the terminal
        print(f"{kind:>13}: {path if str(path).isprintable() else shell_path(path)}")


EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # (SIGTERM, as mia-train's)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, write the report, print where it is and the Pareto front; 2 on a
    user error, 130 on Ctrl-C, 143 on SIGTERM (each file of the report is either the
    previous one or the new one, never half written). Called in-process (a notebook, a
    script), it leaves the caller's stdout, loggers and SIGTERM handler as it found them
    (`main_state_kept`, as mia-train's)."""
    refusal = umask_refusal()
    if refusal is not None:
        print(f"mia-report: {refusal}", file=sys.stderr)
        return 2
    stdout_put_back = lenient_stdout()
    # SIGTERM (kill, a scheduler's limit) ends it as Ctrl-C does: it died at once, silent
    # (mia-train's `_note_signal`, whose import of hydra cost --help 0.3 s, is not used)
    terminated: list[int] = []
    previous = signal.getsignal(signal.SIGTERM)

    def note(signum: int, frame: object) -> None:
        terminated.append(signum)
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # (not the main thread: left alone)
        if previous == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, note)
    try:
        with main_state_kept():
            return _main(argv)
    except BrokenPipeError:  # mia-report ... | head: the report is written, the reader gone
        quiet_stdout()()  # (what stdout holds dropped; its descriptor as the caller had it)
        return 0
    except KeyboardInterrupt:
        print("mia-report: interrupted; the runs were only read, and each report file is "
              "whole (the new one or the one before); run the same command again",
              file=sys.stderr)  # fmt: skip
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    finally:
        stdout_put_back()
        if signal.getsignal(signal.SIGTERM) is note:  # (only the handler set here)
            signal.signal(signal.SIGTERM, previous)


def _os_error(exc: OSError) -> str:
    """The one line for a path the file system refused, with what fits its errno: a name too
    long, a folder the user may not read or enter (``Path.is_dir`` lets EACCES out too: a run
    directory under another user's folder was told to give a shorter path), or another."""
    from mia_defense.report.checks import one_line

    where = "a path" if exc.filename is None else one_line(exc.filename, limit=300)
    said = f"{where}: {exc.strerror or exc}"
    if exc.errno == errno.ENAMETOOLONG:
        return f"{said}; give a shorter path, or check the directories and --out"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"{said}; you may not read it or a folder above it: fix their permissions, "
            "or run as a user who may, or check the directories and --out"
        )
    return f"{said}; check the directories and --out"


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    from mia_defense.report import parse_group_by, write_report
    from mia_defense.report.checks import one_line

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        out = args.out or _default_out(args.dirs)
        group_by = None if args.group_by is None else parse_group_by(args.group_by)
        report = write_report(
            args.dirs, out_dir=out, tensorboard=not args.no_tensorboard, roc_runs=args.roc_runs,
            group_by=group_by, charts=not args.no_charts, replace=args.replace,
        )  # fmt: skip
    except MiaDefenseError as exc:  # a user error: one line, no traceback
        print(f"mia-report: {one_line(exc, limit=2000)}", file=sys.stderr)
        return 2
    except OSError as exc:  # a path the file system refuses (Path.is_dir lets ENAMETOOLONG out)
        print(f"mia-report: {_os_error(exc)}", file=sys.stderr)
        return 2
    try:
        _print_report(report)
        if "tensorboard" in report.files:
            # the folder the default report lies in (`_default_out`: the first of the folders
            # given that is one), not the first argument: `mia-report RUN/results.json SWEEP`
            # wrote into SWEEP/report and printed `tensorboard --logdir RUN/results.json`
            logdir = shell_path(out.parent if args.out is None else out)
            print(f"look at it:   {tool_command('tensorboard')} --logdir {logdir}")
        sys.stdout.flush()
    except BrokenPipeError:  # (`main`: the reader gone)
        raise
    except OSError as exc:  # `mia-report ... > /dev/full`, a full disk: a traceback, exit 1
        quiet_stdout()()  # (Python's flush at exit would fail again on what it holds)
        print(f"mia-report: cannot write the summary to stdout ({exc.strerror or exc}); the "
              f"report is written: its files are in {shell_path(report.out_dir)} (README.md "
              "lists them)", file=sys.stderr)  # fmt: skip
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
