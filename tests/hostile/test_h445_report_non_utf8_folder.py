"""h445: mia-report pointed at a folder whose name is not UTF-8 (mia-report $'/tmp/\\xff\\xfe/r')
said '/tmp/ /r: not a directory': report.checks.printable, which makes names read from
files and the command line printable, turned os.fsdecode's lone surrogates into spaces, so
the message named another folder. They are shown as the bytes they stand for, \\xNN."""

from __future__ import annotations

import os
import subprocess
import sys

from mia_defense.report.checks import one_line, printable


def test_printable_shows_a_non_utf8_byte_as_its_escape():
    name = os.fsdecode(b"/tmp/\xff\xfe/r")
    assert printable(name) == "/tmp/\\xff\\xfe/r"
    assert one_line(f"{name}: x\ny") == "/tmp/\\xff\\xfe/r: x y"
    assert printable("a\x1b[2Jb\u00e9") == "a [2Jb\u00e9"  # (escape codes: spaces, as before)


def test_mia_report_names_the_folder_it_was_given(tmp_path):
    folder = os.fsencode(tmp_path) + b"/\xff\xfe/r"
    done = subprocess.run([sys.executable, "-m", "mia_defense.cli.report", folder],
                          capture_output=True, cwd=tmp_path)  # fmt: skip
    said = done.stderr.decode(errors="replace")
    assert done.returncode == 2, said
    assert f"{tmp_path}/\\xff\\xfe/r: not a directory" in said, said
