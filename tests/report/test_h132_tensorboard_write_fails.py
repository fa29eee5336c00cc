"""mia-report on a disk that fills while it writes its TensorBoard events (``ulimit -f``):
TensorBoard's writer writes them in a thread of its own and its close() does not say that
this failed, so the report exited 0 ("tensorboard: .../tb" among its files) after the
thread's traceback, left the events file cut at the limit in tb/, and deleted the earlier
report's whole events file. Now it is the one line of any failed write, exit 2, and tb/
holds the earlier report's file as it was."""

from __future__ import annotations

import resource
import signal
from pathlib import Path

import pytest

from mia_defense.cli.report import main
from tests.helpers import Done, in_a_child
from tests.hostile.test_verdicts_and_faults import file_size_limit
from tests.report.fake_runs import two_run_sweep


def _report(root: Path, out: Path, *, limit_bytes: int | None = None) -> Done:
    """``mia-report ROOT --out OUT`` in a process of its own (a forked child of this one),
    under a file size limit of ``limit_bytes`` (``ulimit -f``) if given."""

    def report() -> int:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, resource.RLIM_INFINITY))
        return main([str(root), "--out", str(out)])

    return in_a_child(report)


def _events(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (out / "tb").glob("events.out.tfevents.*")}


@pytest.mark.slow  # 8-17 s: two reports with their charts, each its own process
@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_full_disk_while_writing_the_events_is_one_error_and_keeps_the_earlier_ones(tmp_path):
    root, out = two_run_sweep(tmp_path / "sweep"), tmp_path / "report"
    assert _report(root, out).returncode == 0
    earlier = _events(out)
    assert len(earlier) == 1
    (events,) = earlier.values()
    largest_other = max(p.stat().st_size for p in out.iterdir() if p.is_file())
    assert largest_other < len(events)  # the limit below stops the events file alone
    limit_kb = (largest_other + len(events)) // 2 // 1024
    with file_size_limit(limit_kb):
        done = _report(root, out)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Exception in thread" not in done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("mia-report:")]
    assert line.startswith(f"mia-report: {out / 'tb'}: cannot write the report (File too "
                           "large); the file is larger than this file system or `ulimit -f` "
                           "allows: raise the limit or write elsewhere (mia-report --out DIR)")
    assert _events(out) == earlier  # no file cut at the limit; the earlier one whole


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_full_disk_while_writing_a_chart_names_the_chart(tmp_path):
    """A table, chart or summary whose write fails is named: the line named the report's
    folder alone ('mia-report: DIR: cannot write the report (File too large)'), which of
    its files did not say."""
    root, out = two_run_sweep(tmp_path / "sweep"), tmp_path / "report"
    with file_size_limit(30):  # the tables (a few kB) fit, a chart (60-75 kB) does not
        done = _report(root, out)
    assert done.returncode == 2, done.stderr[-2000:]
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("mia-report:")]
    assert line.startswith(f"mia-report: {out / 'tradeoff_tpr.png'}: cannot write the report "
                           "(File too large); the file is larger than this file system or "
                           "`ulimit -f` allows")  # fmt: skip
    # a report is moved into place whole or not at all (h191): no table of it either
    assert not (out / "tradeoff.csv").exists() and not (out / "tradeoff_tpr.png").exists()
    assert not list(out.glob(".mia-report-*"))  # no temporary folder left


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_full_disk_while_marking_a_new_report_folder_leaves_no_cut_mark(tmp_path):
    """The mark a report leaves first in a new folder (which folders it reports on) was
    written in place: cut by a full disk, it named no folder, and the next report of other
    folders took the folder as its own instead of asking for --replace."""
    root, out = two_run_sweep(tmp_path / "sweep"), tmp_path / "report"
    done = _report(root, out, limit_bytes=200)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"mia-report: {out}: cannot write there (File too large)" in done.stderr
    assert not (out / ".mia-report").exists()  # (it holds 300-odd bytes)
    assert not list(out.glob(".mia-report-*"))
