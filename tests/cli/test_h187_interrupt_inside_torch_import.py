"""A Ctrl-C or SIGTERM that lands inside torch's import ends in the one interrupted line
(h187): torch sets its loggers to WARNING as its import ends, so an import cut short left
them at the root's INFO (Hydra's handler), and torch's exit hook printed three
``FakeTensor cache stats`` lines after the line (seen with ``kill -TERM`` 1-1.5 s into
``mia-train``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent("""
    import logging
    import torch  # registers torch._subclasses.fake_tensor's exit hook dump_cache_stats
    from mia_defense.cli.entry import run_entry

    def entry():
        # What an interrupted `import torch` leaves: its loggers' levels unset (its last
        # lines set them), the root logger at INFO as Hydra's logging config sets it.
        logging.getLogger("torch").setLevel(logging.NOTSET)
        logging.basicConfig(level=logging.INFO, format="[HYDRA] %(message)s")
        raise KeyboardInterrupt

    run_entry(entry, started=lambda: False, interrupted="interrupted; run it again")
""")


@pytest.mark.parametrize("torch_level", [None, "DEBUG"])
def test_an_interrupt_inside_torch_import_prints_one_line(torch_level):
    script = _SCRIPT
    if torch_level:  # a level the user set for torch is left as it is
        # (set before the call: a level the call itself set is put back as it ends,
        # mia_defense.library_call.main_state_kept)
        script = script.replace(
            "from mia_defense.cli.entry import run_entry\n",
            "from mia_defense.cli.entry import run_entry\n"
            f'logging.getLogger("torch").setLevel(logging.{torch_level})\n',
        ).replace('logging.getLogger("torch").setLevel(logging.NOTSET)', "pass")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 130, done.stderr
    if torch_level is None:
        assert done.stderr == "interrupted; run it again\n"
    else:
        assert "FakeTensor cache stats" in done.stderr
