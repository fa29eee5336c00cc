"""dataset=csv on a .csv.gz (f6a67d9) decompressed the file twice per load: once to count
its text (the decompression-bomb refusal) and once more to parse it. The load parses the
text its count kept, letting go of each MiB once read; the config check, which reads the
header alone, still counts without keeping (tests/data/test_h237_gzip_csv.py: the bomb)."""

from __future__ import annotations

import gzip

import numpy as np

from mia_defense.data import guards, load_csv
from mia_defense.data.csv_file import check_csv_source


def _counted(monkeypatch):
    opened = []

    class Counted(gzip.GzipFile):
        def __init__(self, *args, **kwargs):
            opened.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(guards.gzip, "GzipFile", Counted)
    return opened


def test_a_csv_gz_is_decompressed_once_per_load(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60_000, 6)).round(5)  # some 3 MiB of text: several kept chunks
    text = "a,b,c,d,e,f,y\n" + "".join(",".join(map(str, row)) + f",{int(row[0] > 0)}\n"
                                       for row in x)  # fmt: skip
    assert len(text) > 2 << 20
    plain, packed = tmp_path / "data.csv", tmp_path / "data.csv.gz"
    plain.write_text(text)
    packed.write_bytes(gzip.compress(text.encode()))
    want = load_csv(path=plain, label_column="y")
    opened = _counted(monkeypatch)
    got = load_csv(path=packed, label_column="y")
    assert len(opened) == 1
    np.testing.assert_array_equal(got.x, want.x)
    np.testing.assert_array_equal(got.y, want.y)
    opened.clear()
    check_csv_source(path=packed, label_column="y")  # counted, then its header read
    assert len(opened) == 2


def test_kept_text_lets_go_of_what_it_read():
    chunks = [b"ab", b"", b"cde", b"f"]
    stream = guards.kept_text(chunks)
    assert stream.read(3) == b"abc" and stream.read() == b"def" and stream.read() == b""
    assert chunks == []
