"""keep_freed_memory: freed tensor memory stays in the process (no page faults on reuse),
and a user's own allocator settings are left alone."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mia_defense.allocator import OPT_OUT, keep_freed_memory

# Allocates and frees four 1 MiB blocks 100 times and prints the page faults that took.
_CHURN = """
import resource, sys
import numpy as np
from mia_defense.allocator import keep_freed_memory
print(keep_freed_memory())
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    blocks = [np.ones(1 << 18, dtype=np.float32) for _ in range(4)]; del blocks
before = faults()
for _ in range(100):
    blocks = [np.ones(1 << 18, dtype=np.float32) for _ in range(4)]
    del blocks
print(faults() - before)
"""


def _churn(env: dict[str, str]) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", _CHURN], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_blocks_are_reused_without_page_faults() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.pop("LD_PRELOAD", None)
    kept, kept_faults = _churn(env)
    left, left_faults = _churn({**env, OPT_OUT: "1"})
    assert (kept, left) == ("True", "False")
    # glibc's defaults trim the freed 4 MiB back to the kernel: ~1,000 faults a round.
    assert left_faults > 20_000
    assert kept_faults < 1_000


@pytest.mark.parametrize("name, value", [
    (OPT_OUT, "1"), ("MALLOC_ARENA_MAX", "2"), ("LD_PRELOAD", "/usr/lib/libjemalloc.so.2"),
    ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0"),
])
def test_a_users_own_allocator_settings_are_left_alone(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert keep_freed_memory() is False


@pytest.mark.parametrize("value", ["0", "false", "No", " off "])
def test_an_opt_out_set_to_no_does_not_opt_out(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from mia_defense import allocator

    for name in [n for n in os.environ if n.startswith("MALLOC_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    monkeypatch.setenv(OPT_OUT, value)
    assert allocator._user_chose_allocator() is False
