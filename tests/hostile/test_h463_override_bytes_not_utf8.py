"""h463: an override holding bytes that are no UTF-8, which Hydra's grammar cannot parse
(``mia-train $'~a\\xff'``, ``$'seed="\\xff'``), was refused naming Python's stand-in for each
byte, ``~a\\udcff``, and offered a quoted form ('seed='"'"'"\\udcff'"'"'') a shell cannot
type. The byte is shown ``\\xff``, as mia-report shows a folder's (h445), and the quoted
form is bash's ``$'...'``, which reads it back as the byte."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.helpers import mia_train


def _line(stderr: str) -> str:
    """The refusal's line: Hydra's grammar, or for a key of such bytes (``~a\\xff``) the
    refusal of a key beyond ASCII (573f221a reads a ~KEY too), which shows it as bash's $'...'."""
    (line,) = [line.replace("$'", "").replace("':", ":", 1) if "a key is a name" in line
               else line for line in stderr.splitlines()
               if "Hydra cannot parse" in line or "a key is a name in ASCII" in line]  # fmt: skip
    return line


@pytest.mark.parametrize("arg", ["~a\udcff", 'seed="\udcff', "seed='\udcff'x"])
def test_the_byte_is_shown_as_bash_writes_it(tmp_path, arg):
    done = mia_train(arg, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    line = _line(done.stderr)
    assert "udc" not in line and "\udcff" not in line
    assert line.startswith(f"ConfigError: {arg.replace(chr(0xDCFF), chr(92) + 'xff')}: ")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_quoted_form_reads_back_as_the_bytes(tmp_path):
    done = mia_train('seed="\udcff', f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    quoted = re.search(r"inside the shell's: (\$'.*') \(the grammar", _line(done.stderr))
    assert quoted is not None, done.stderr
    typed = subprocess.run(["bash", "-c", f"printf %s {quoted[1]}"], capture_output=True,
                           check=True, timeout=30).stdout  # fmt: skip
    assert typed == os.fsencode("seed='\"\udcff'")


@pytest.mark.parametrize(("arg", "said"), [
    ("seed=\udcff\udcfe'a", "$'seed=\\xff\\xfe\\'a': Hydra's override grammar reads a byte "
     "that is no UTF-8 ($'\\xff') only inside quotes, and stopped on it; quote each value that "
     "holds it"),
    ("a\udcffb=1", "$'a\\xffb=1': a key is a name in ASCII (letters, digits, '_', '.'), and "
     "$'a\\xffb' is none"),  # (as the shell's $'...' types it: h516)
])  # fmt: skip
def test_the_check_before_hydra_shows_the_byte_so_too(tmp_path, arg, said):
    done = mia_train(arg, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    (line,) = [line for line in done.stderr.splitlines() if "ConfigError" in line]
    assert line.startswith(f"ConfigError: {said}") and "udc" not in line
