"""What README promises a new user, checked where a walk through it found otherwise."""

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError


@pytest.mark.parametrize("classes", [0, 1])
def test_observations_list_every_shape_problem(classes):
    """README: 'One DataError lists every problem of a stage ... shapes and dtypes first':
    outputs of one class (or none) beside masks and labels of another shape named only the
    classes; fixing them, the user met the masks' shape next."""
    outputs = np.full((4, 200, classes), 1.0)
    masks = np.zeros((4, 150), bool)
    with pytest.raises(DataError) as caught:
        api.observations_from_arrays(outputs, masks, np.zeros(100, int), kind="probabilities")
    said = str(caught.value)
    assert ("one class (C=1)" if classes else "no classes (C=0)") in said
    assert "inconsistent shapes: masks has shape (4, 150) and labels (100,)" in said


class _Writes:
    """A stdout that keeps each write call apart (PYTHONUNBUFFERED=1: one syscall each)."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_the_end_of_run_lines_reach_the_reader_in_one_write(tmp_path, monkeypatch):
    """README: 'under `| head` the run exits 0: its table reaches head whole'. A write per
    line (unbuffered stdout) let head exit after its 10 lines while the run still wrote the
    rest: exit 141 one run in two (`mia-train ... | head`)."""
    import sys

    from mia_defense.cli.train import _print_summary

    out = _Writes()
    monkeypatch.setattr(sys, "stdout", out)
    _print_summary(tmp_path, ["attack  AUC\nloss  0.5", "\nrun directory: x", "wall time: 1 s"])
    assert out.writes == ["attack  AUC\nloss  0.5\n\nrun directory: x\nwall time: 1 s\n"]


def test_mia_attack_end_lines_reach_the_reader_in_one_write(tmp_path, monkeypatch):
    """The same for `mia-attack ... | head`: its table and the lines after it were four
    prints, a write each under PYTHONUNBUFFERED=1."""
    import io

    from tests.helpers import mia_attack, synthetic_observations

    writes: list[str] = []

    class Counted(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return super().write(text)

    synthetic_observations(num_models=4, num_samples=120, num_classes=3).save(
        tmp_path / "mine.npz")
    monkeypatch.setattr(io, "StringIO", Counted)  # (the in-process run's stdout and stderr)
    done = mia_attack("mine.npz", "attack.bootstrap=0", "figures=false", "progress=false",
                      "hydra.run.dir=out", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    table = [w for w in writes if "strongest attack" in w]
    assert len(table) == 1 and "run directory: out" in table[0] and "look at it:" in table[0]
