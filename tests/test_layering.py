"""The pipeline's layers: attacks and metrics are pure numpy over `Observations`, which is a
torch-free file format anyone can write (issue 16, point 7)."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mia_defense.errors import DataError
from mia_defense.observations import Observations


def test_attacks_and_metrics_import_neither_torch_nor_training_code():
    code = (
        "import sys; import mia_defense.attacks, mia_defense.metrics, mia_defense.observations; "
        "bad = [m for m in sys.modules if m == 'torch' or m.startswith('mia_defense.training')"
        " or m.startswith('mia_defense.defenses')]; print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _observations(*, queries: bool) -> Observations:
    rng = np.random.default_rng(0)
    return Observations(
        log_probs=np.log(rng.dirichlet(np.ones(3), size=(4, 10))).astype(np.float32),
        labels=rng.integers(0, 3, 10),
        masks=rng.random((4, 10)) < 0.5,
        augmented_logits=rng.normal(size=(4, 2, 10)).astype(np.float32) if queries else None,
        augmented_predictions=rng.integers(0, 3, (4, 2, 10)).astype(np.uint8)
        if queries else None,
        grad_norms=rng.random((4, 10)),
    )  # fmt: skip


def test_observations_round_trip_through_the_file_format(tmp_path):
    obs = _observations(queries=False)
    obs.save(tmp_path / "observations.npz", population_idx=np.arange(10))
    back = Observations.load(tmp_path / "observations.npz")
    assert np.array_equal(back.log_probs, obs.log_probs)
    assert np.array_equal(back.masks, obs.masks) and back.masks.dtype == bool
    assert np.array_equal(back.grad_norms, obs.grad_norms)
    assert back.augmented_logits is None and back.augmented_predictions is None


def test_augmented_queries_round_trip_as_k_a_n_signals(tmp_path):
    obs = _observations(queries=True)
    obs.save(tmp_path / "observations.npz")
    with np.load(tmp_path / "observations.npz") as raw:
        assert "augmented" not in raw.files and int(raw["schema_version"]) == 2
    back = Observations.load(tmp_path / "observations.npz")
    for name in ("augmented_logits", "augmented_predictions"):
        mine, theirs = getattr(obs, name), getattr(back, name)
        assert np.array_equal(theirs, mine) and theirs.dtype == mine.dtype, name
    taken = back.take([1, 3]).augmented_predictions
    assert np.array_equal(taken, obs.augmented_predictions[[1, 3]])
    assert back.with_log_probs(obs.log_probs).augmented_logits is None


def test_a_version_1_file_with_k_a_n_c_queries_is_refused_naming_the_fix(tmp_path):
    path = tmp_path / "observations.npz"
    np.savez(path, log_probs=np.zeros((2, 3, 4), np.float32), masks=np.zeros((2, 3), bool),
             labels=np.zeros(3, int), augmented=np.zeros((2, 5, 3, 4), np.float32),
             schema_version=np.array(1))  # fmt: skip
    before = path.read_bytes()
    with pytest.raises(DataError, match=(
        rf"{path}: observations format version 1, this version reads 2; write the file "
        r"again with this version \(mia-train, or Observations.save\)"
    )):
        Observations.load(path)
    assert path.read_bytes() == before  # refused, not rewritten


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"augmented_logits": np.zeros((4, 2, 10), np.float32)},
         "augmented_logits and augmented_predictions go together"),
        ({"augmented_logits": np.zeros((4, 2, 10, 3), np.float32),
          "augmented_predictions": np.zeros((4, 2, 10, 3), np.uint8)},
         r"augmented_logits has shape \(4, 2, 10, 3\), expected \[4, A, 10\]"),
        ({"augmented_logits": np.zeros((4, 2, 10), np.float32),
          "augmented_predictions": np.zeros((4, 3, 10), np.uint8)},
         r"augmented_logits \(4, 2, 10\) and augmented_predictions \(4, 3, 10\) differ in A"),
        ({"augmented_logits": np.zeros((4, 2, 10), np.float32),
          "augmented_predictions": np.zeros((4, 2, 10), np.float32)},
         "augmented_predictions has dtype float32, expected int"),
    ],
)
def test_inconsistent_augmented_queries_are_refused(fields, message):
    obs = _observations(queries=False)
    with pytest.raises(ValueError, match=message):
        Observations(obs.log_probs, obs.labels, obs.masks, **fields)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"log_probs": np.zeros((2, 3, 4))}, r"not an observations file \(no masks, labels\)"),
        ({"log_probs": np.zeros((2, 3, 4)), "masks": np.zeros((2, 3), bool),
          "labels": np.zeros(3, int), "schema_version": np.array(99)},
         r"observations format version 99, this version reads 2"),
        ({"log_probs": np.zeros((2, 3, 4)), "masks": np.zeros((2, 5), bool),
          "labels": np.zeros(3, int), "schema_version": np.array(2)},
         r"inconsistent arrays \(inconsistent shapes"),
    ],
)
def test_a_bad_observations_file_is_a_data_error(tmp_path, arrays, message):
    path = tmp_path / "observations.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=rf"{path}: {message}"):
        Observations.load(path)


ROOT = Path(__file__).resolve().parents[1] / "mia_defense"


@functools.cache
def _imports(path: Path) -> tuple[ast.Import | ast.ImportFrom, ...]:
    """Every import statement of the module at ``path`` (at module level or inside a
    function), parsed once for this file's tests: each walks the whole package (half a
    second)."""
    nodes = ast.walk(ast.parse(path.read_text()))
    return tuple(node for node in nodes if isinstance(node, ast.Import | ast.ImportFrom))


def _module_imports() -> dict[str, set[str]]:
    """The ``mia_defense`` imports of every module, at module level or inside a function (a
    deferred import still couples the two modules), from the source; package ``__init__``
    files, which only re-export, are left out."""
    root = ROOT
    modules = {
        ".".join(("mia_defense", *p.relative_to(root).with_suffix("").parts)): p
        for p in root.rglob("*.py")
        if p.name != "__init__.py" and "conf" not in p.relative_to(root).parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for node in _imports(path):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mia_defense"):
                targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
                edges |= {t for t in targets if t in modules}
            elif isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in modules}
        graph[name] = edges
    return graph


def test_no_module_imports_itself_through_a_cycle():
    graph = _module_imports()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_no_library_module_imports_the_command_line_tools():
    """``mia_defense.cli`` is the thin layer of entry points over the library (DESIGN,
    layout): no other module imports it, at module level or inside a function (the API and
    mia-attack's attack config did, for the end-of-run table and the override checks)."""
    root = ROOT
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] in ("cli", "conf"):
            continue
        for node in _imports(path):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(n == "mia_defense.cli" or n.startswith("mia_defense.cli.") for n in names):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    assert found == []


def test_a_truncated_observations_file_is_a_data_error(tmp_path):
    path = tmp_path / "observations.npz"
    np.savez(path, log_probs=np.zeros((2, 3, 4)))
    path.write_bytes(path.read_bytes()[:30])  # a zip header with nothing behind it
    with pytest.raises(DataError, match=rf"{path}: corrupt or not an .npz archive"):
        Observations.load(path)
