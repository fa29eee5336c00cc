"""dataset=csv on a compressed CSV against the plain file, side by side in one run.

Writes a CSV of ``--rows`` rows (6 numeric columns, a text column, a label) and its .gz, .bz2
and .xz copies to a temporary folder, then times what mia-train does with each: the config
check (`check_csv_source`, which counts a compressed file's text to refuse a decompression
bomb) and the load (`load_csv`: the count again, then the parse). The files take turns in
each of ``--repeats`` rounds; the best process time of each is printed with its ratio to the
plain file's. Absolute times depend on the machine; the ratios are the point.

Usage: ``python scripts/bench_csv_compressed.py [--rows N] [--repeats N]``
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import lzma
import tempfile
import time
from pathlib import Path

import numpy as np

from mia_defense.data import load_csv
from mia_defense.data.csv_file import check_csv_source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    lines = ["a,b,c,d,e,f,colour,label"] + [
        ",".join(f"{v:.5f}" for v in row) + f",{('red', 'blue', 'green')[i % 3]},{i % 4}"
        for i, row in enumerate(rng.normal(size=(args.rows, 6)))]
    text = ("\n".join(lines) + "\n").encode()
    with tempfile.TemporaryDirectory() as folder:
        files = {"csv": Path(folder, "data.csv")}
        files["csv"].write_bytes(text)
        for suffix, module in (("gz", gzip), ("bz2", bz2), ("xz", lzma)):
            files[suffix] = Path(folder, f"data.csv.{suffix}")
            files[suffix].write_bytes(module.compress(text))
        best = dict.fromkeys(files, float("inf"))
        for _ in range(args.repeats):
            for name, path in files.items():
                start = time.process_time()
                check_csv_source(path=path, label_column="label")
                load_csv(path=path, label_column="label")
                best[name] = min(best[name], time.process_time() - start)
    print(f"config check + load of {args.rows} rows ({len(text) / 1e6:.1f} MB of text), "
          f"best of {args.repeats}, process time:")
    for name, seconds in best.items():
        print(f"  {name:>4}: {seconds:6.3f} s  {seconds / best['csv']:5.2f} x plain")


if __name__ == "__main__":
    main()
