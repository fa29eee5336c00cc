"""Every "did you mean ...?" of mia-defense is `errors.closest` / `errors.closest_few`'s: one
rule (difflib's at 0.6, a prefix first where a site lists names cut short), in one place
that imports difflib only when a message needs it. Eleven sites had called difflib
themselves, three of them (constraints, config, data.checks) at import, so importing
mia-train's entry point loaded difflib before any message was due."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from mia_defense.config_keys import deleted_key_hint
from mia_defense.constraints import Param
from mia_defense.data.checks import closest_name
from mia_defense.errors import closest, closest_few

PACKAGE = Path(__file__).resolve().parents[1] / "mia_defense"
# Sites that still call difflib themselves (none now): remove a file here once it calls
# `errors.closest`.
LEFT: set[str] = set()


def _imports_difflib(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        (isinstance(node, ast.Import) and any(a.name == "difflib" for a in node.names))
        or (isinstance(node, ast.ImportFrom) and node.module == "difflib")
        for node in ast.walk(tree)
    )


def test_only_errors_calls_difflib():
    users = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
             if _imports_difflib(path)}
    assert users - LEFT == {"errors.py"}, "call mia_defense.errors.closest, not difflib"
    assert LEFT <= users, f"{sorted(LEFT - users)} no longer call difflib: drop them from LEFT"


def test_importing_mia_train_does_not_import_difflib():
    probe = "import sys, mia_defense.cli.train; print('difflib' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_closest_few_takes_names_cut_short_first_else_difflibs():
    keys = ["num_models", "num_targets", "reference_size", "seed"]
    assert closest_few("num", keys, prefixes=True) == ["num_models", "num_targets"]
    assert closest_few("num", keys, prefixes=True, most=1) == ["num_models"]
    assert closest_few("num", keys) == []  # (difflib: too short to be like any)
    assert closest_few("num_model", keys, prefixes=True) == ["num_models"]
    assert closest_few("refrence_size", keys, prefixes=True) == ["reference_size"]
    assert closest_few("xyz", keys, prefixes=True) == []
    assert closest("seeed", keys) == "seed"
    assert closest("sed", keys, cutoff=0.9) is None


def test_the_sites_suggest_what_closest_does():
    # a choice (lower-cased first), a data column (letter case first), a deleted key cut short
    line = Param("str", choices=("reference", "global")).problem("attack.x", "Globl")
    assert line is not None and line.endswith("did you mean 'global'?")
    assert closest_name("Lable", ["label", "x"]) == "label"
    assert closest_name("X", ["x", "y"]) == "x"
    assert closest_name("zzz", ["label", "x"]) is None
    hint = deleted_key_hint("plan.num")
    assert hint is not None and hint.startswith("did you mean 'num_models'")
