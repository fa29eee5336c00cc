"""A SIGTERM or Ctrl-C that lands inside numpy's import ends in the one interrupted line
(h193): torch's extension imports numpy and clears a failure, so the KeyboardInterrupt was
lost and mia-train went on with numpy half-imported; the next import of it failed, and Hydra
printed a RecursionError warning and an 'Error executing job' traceback before the line
(seen with ``kill -TERM`` 0.52-0.56 s into ``mia-train``). The signal is sent here from an
import hook as numpy's import reaches ``numpy.linalg``, inside torch's import."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_HOOK = textwrap.dedent("""
    import os, signal, sys

    class _SignalOnImport:  # sends the signal once, as the import of H193_AT starts
        sent = False

        def find_spec(self, name, path=None, target=None):
            if name == os.environ["H193_AT"] and not self.sent:
                self.sent = True
                os.kill(os.getpid(), getattr(signal, os.environ["H193_SIGNAL"]))
            return None

    sys.meta_path.insert(0, _SignalOnImport())
""")


@pytest.mark.slow
@pytest.mark.parametrize(("signame", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
@pytest.mark.parametrize("at", ["numpy.linalg", "numpy.exceptions"])
def test_a_signal_inside_numpy_import_prints_one_line(tmp_path, signame, code, at):
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(_HOOK)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "hook"), "H193_AT": at,
           "H193_SIGNAL": signame}  # fmt: skip
    env.pop("HYDRA_FULL_ERROR", None)
    tool = Path(sys.executable).with_name("mia-train")
    done = subprocess.run([str(tool), f"hydra.run.dir={tmp_path / 'run'}"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.stdout == ""
    assert done.stderr == "interrupted; run the same command again to resume\n"
    assert done.returncode == code
