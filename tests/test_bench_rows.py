"""The bench scripts' tables (`row` of scripts/bench_startup.py, which bench.py and
bench_device.py print with too) ended every line in the padding of its last cell: trailing
spaces in the terminal and in the blocks pasted into the README."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import load_script

bench_startup = load_script(
    Path(__file__).resolve().parents[1] / "scripts" / "bench_startup.py", "bench_startup_rows"
)


def test_a_bench_row_ends_in_no_spaces_and_keeps_its_columns():
    header = bench_startup.row("K", "sequential s", "stacked s", "stacked all s", "ratio")
    line = bench_startup.row(16, "8.37", "1.11", "", "7.5x")
    assert header == "K" + " " * 31 + "sequential s    stacked s       stacked all s   ratio"
    assert line == "16" + " " * 30 + "8.37            1.11                            7.5x"
    short = bench_startup.row("threads", "sequential s", "stacked s")
    assert short == short.rstrip() and short.index("stacked s") == header.index("stacked s")
