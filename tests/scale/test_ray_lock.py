"""requirements-ray.lock (`make install-ray`, which .ci/run runs) covers the ray extra on top
of everything requirements.lock pins, with the same versions wherever Ray allows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_lock import parse_lock, uncovered

ROOT = Path(__file__).resolve().parents[2]
# Where Ray's launcher needs other versions: hydra-ray-launcher asks for cloudpickle<3, and
# joblib>=1.6 for cloudpickle>=3; botocore takes python-dateutil below 3 (tzdata with it).
MOVED = {"cloudpickle", "joblib", "python-dateutil", "tzdata"}


@pytest.fixture(scope="module")
def locks():
    return (parse_lock((ROOT / "requirements.lock").read_text()),
            parse_lock((ROOT / "requirements-ray.lock").read_text()))  # fmt: skip


def test_the_ray_lock_covers_the_ray_extra_and_every_locked_dependency(locks):
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads TOML")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = extras["dependencies"] + extras["optional-dependencies"]["dev"]
    wanted += extras["optional-dependencies"]["ray"]
    _, ray = locks
    assert uncovered(wanted, ray) == [], "pyproject.toml changed: run `make lock-ray`"
    assert [name for name, (_, hashes) in ray.items() if hashes == 0] == []
    assert {"ray", "hydra-ray-launcher"} <= set(ray)


def test_the_ray_lock_keeps_the_pins_of_requirements_lock(locks):
    base, ray = locks
    moved = {name for name in base if name not in ray or ray[name][0] != base[name][0]}
    assert moved <= MOVED, "requirements.lock changed: run `make lock-ray`"
