"""requirements.lock, which `make install` installs hash-checked, still covers pyproject.toml
(issue 18, point 12): a dependency added there without `make lock` fails here, not on a user's
fresh clone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def parse_lock(text: str) -> dict[str, tuple[Version, int]]:
    """Name -> (pinned version, number of sha256 hashes) of each entry of a uv/pip-compile lock."""
    entries: dict[str, tuple[Version, int]] = {}
    name = ""
    for line in text.splitlines():
        pin = PIN.match(line)
        if pin:
            name = canonicalize_name(pin.group(1))
            entries[name] = (Version(pin.group(2)), 0)
        elif name and HASH.search(line):
            version, hashes = entries[name]
            entries[name] = (version, hashes + len(HASH.findall(line)))
    return entries


def uncovered(requirements: list[str], lock: dict[str, tuple[Version, int]]) -> list[str]:
    """The requirements the lock leaves out, or pins at a version they don't allow."""
    problems = []
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate():
            continue
        pinned = lock.get(canonicalize_name(req.name))
        if pinned is None:
            problems.append(f"{req.name}: not in requirements.lock")
        elif not req.specifier.contains(pinned[0], prereleases=True):
            problems.append(f"{req.name}: locked {pinned[0]}, pyproject.toml asks {req.specifier}")
    return problems


def torch_spec() -> Requirement:
    """The Makefile's TORCH_SPEC, the CPU torch the lock must pin."""
    match = re.search(r"^TORCH_SPEC \?= (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "Makefile: no `TORCH_SPEC ?= torch==...` line"
    return Requirement(match.group(1))


@pytest.fixture(scope="module")
def lock() -> dict[str, tuple[Version, int]]:
    return parse_lock((ROOT / "requirements.lock").read_text())


def test_lock_covers_the_dependencies_and_the_dev_extra(lock):
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads TOML")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    assert uncovered(wanted, lock) == [], "pyproject.toml changed: run `make lock LOCK_FLAGS=`"


def test_every_locked_package_has_a_hash(lock):
    assert [name for name, (_, hashes) in lock.items() if hashes == 0] == []


def test_lock_pins_the_makefiles_cpu_torch(lock):
    spec = torch_spec()
    version, _ = lock["torch"]
    assert spec.specifier.contains(version), f"lock has torch {version}, Makefile {spec}"
    assert version.local == "cpu", f"lock has torch {version}, not a CPU build: run `make lock`"


def test_a_stale_lock_is_reported():
    lock = parse_lock(
        "numpy==1.26.4 \\\n    --hash=sha256:" + "a" * 64 + "\n    # via mia-defense\n"
        "Scikit_Learn==1.3.0\n"
    )
    assert lock == {"numpy": (Version("1.26.4"), 1), "scikit-learn": (Version("1.3.0"), 0)}
    assert uncovered(["numpy>=2", "scikit-learn>=1.3", "scipy>=1.10"], lock) == [
        "numpy: locked 1.26.4, pyproject.toml asks >=2",
        "scipy: not in requirements.lock",
    ]
