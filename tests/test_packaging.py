"""What `pip install .` (a wheel, not the editable install the tests run from) puts on a
user's machine: every folder of code under mia_defense/ is a package pyproject.toml names, so
no module a run imports is left out of the wheel (mia_defense.audit once was)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_code_folder_is_a_listed_package() -> None:
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads TOML")
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "mia_defense").rglob("*.py")
    }
    assert folders - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert setuptools["package-dir"]["mia_defense.conf"] == "conf"
    assert (ROOT / "conf" / "config.yaml").is_file()
