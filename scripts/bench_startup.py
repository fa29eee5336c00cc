"""Start-up times of the command-line tools, side by side in one run (issue 17, target 1).

Target: ``mia-train --help`` and ``mia-train --cfg job`` (and ``mia-report --help``) within
0.5 s of a bare ``python -c pass``; ``python -c "import torch"`` is shown for scale. Each
command runs ``repeats`` times in a fresh process, the commands taking turns so that a
change of the machine's load hits them alike; the best wall time of each is reported.

Usage: ``python scripts/bench_startup.py [--repeats N]`` (also a section of bench.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_S = 0.5  # seconds over a bare interpreter


def _tool(name: str, module: str) -> list[str]:
    """The console script ``name`` beside this Python, else ``python -m module``."""
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


def commands() -> dict[str, tuple[list[str], bool]]:
    """Label -> (command, held to the target)."""
    train = _tool("mia-train", "mia_defense.cli.train")
    report = _tool("mia-report", "mia_defense.cli.report")
    return {
        "python -c pass": ([sys.executable, "-c", "pass"], False),
        'python -c "import torch"': ([sys.executable, "-c", "import torch"], False),
        "mia-train --help": ([*train, "--help"], True),
        "mia-train --cfg job": ([*train, "--cfg", "job"], True),
        "mia-report --help": ([*report, "--help"], True),
    }


def _wall(command: list[str], cwd: str) -> tuple[float, str]:
    """Wall seconds of one run of ``command`` and its failure ("" when it exits 0)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False)
    wall = time.perf_counter() - start
    failure = "" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr[-200:]}"
    return wall, failure.strip()


def measure(repeats: int) -> dict[str, tuple[float, str]]:
    """Label -> (best wall seconds of ``repeats`` runs, last failure or "")."""
    todo = commands()
    best = {label: float("inf") for label in todo}
    failures = dict.fromkeys(todo, "")
    with tempfile.TemporaryDirectory(prefix="mia-bench-startup-") as cwd:
        for _ in range(repeats):
            for label, (command, _) in todo.items():
                wall, failure = _wall(command, cwd)
                best[label] = min(best[label], wall)
                failures[label] = failure or failures[label]
    return {label: (best[label], failures[label]) for label in todo}


def row(*cells: Any) -> str:
    """One line of a bench table (bench.py's and bench_device.py's too): the cells in columns
    of fixed widths, with no trailing spaces (the last cell's padding ended every line in
    them, in the terminal and in the blocks pasted into the README)."""
    widths = (30, 14, 14, 14, 10)
    return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()


def section_startup(repeats: int) -> None:
    """Print each command's best wall time, its excess over ``python -c pass`` and, for the
    tools, pass/miss against the 0.5 s target."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n## Start-up (best of {repeats}, load average {load}; target: the tools within "
          f"{TARGET_S} s of a bare python)")  # fmt: skip
    results = measure(repeats)
    bare = results["python -c pass"][0]
    print(row("command", "wall s", "over python s", "target"))
    for label, (_, held) in commands().items():
        wall, failure = results[label]
        over = wall - bare
        verdict = ("pass" if over <= TARGET_S and not failure else "miss") if held else ""
        line = row(label, f"{wall:.3f}", f"{over:+.3f}", verdict)
        print(line + (f"  FAILED ({failure})" if failure else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per command (5)")
    section_startup(parser.parse_args().repeats)


if __name__ == "__main__":
    main()
