"""api.audit leaves Python's global random generator as it found it: the first audit of a
process imported a module (rich, through scikit-learn) that draws from it on import, so a
user's seeded stream moved on by one draw."""

from __future__ import annotations

import subprocess
import sys

import pytest

_SCRIPT = """
import random
import numpy as np
from mia_defense import api

rng = np.random.default_rng(0)
masks = np.zeros((4, 40), bool)
masks[:2, ::2] = masks[2:, 1::2] = True
obs = api.observations_from_arrays(rng.normal(size=(4, 40, 3)), masks,
                                   rng.integers(0, 3, 40), kind="logits")
random.seed(0)
api.audit(obs, overrides=["attack.bootstrap=0"])
print(random.random() == random.Random(0).random())
"""


@pytest.mark.slow  # (a fresh interpreter importing the stack: about 8 s)
def test_first_audit_of_a_process_keeps_the_python_random_stream() -> None:
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                         check=True, timeout=120)  # fmt: skip
    assert out.stdout.split()[-1] == "True", out.stdout + out.stderr
