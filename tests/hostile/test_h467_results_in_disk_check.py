"""The up-front disk check counted the checkpoints only, and the pipeline never asked it (no
run directory reached `check_budget`): observations.npz, written once every model has trained,
holds the released outputs and the augmented queries' logits (39 MB at
attack.queries.num_augmented=5000, K=2, N=1000; some 2.7 GB at 350000), so a run that trained
for an hour could fail writing its results on a full disk. The run's directory now reaches
the check, which counts a floor of observations.npz beside the checkpoints and refuses before
any training in one line naming what to lower (helper h467). The free disk and the memory are
patched; nothing large is written."""

from __future__ import annotations

import re

import pytest

from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg

FREE = 100 * 10**6  # more than the default run writes, less than 350000 augmented queries'


class Checked(Exception):
    """The budget check passed: the models would be trained now."""


@pytest.fixture
def disk(monkeypatch):
    from mia_defense import budget
    from mia_defense.pipeline import data

    monkeypatch.setattr(budget, "available_memory", lambda: 10**13)  # (the disk alone)
    asked = []

    def free(path):
        asked.append(path)
        return FREE

    monkeypatch.setattr(budget, "_free_disk", free)
    check = data._check_budget

    def then_stop(*args, **kwargs):
        check(*args, **kwargs)
        raise Checked

    monkeypatch.setattr(data, "_check_budget", then_stop)
    return asked


def _run(tmp_path, *overrides: str) -> None:
    from mia_defense.cli.build import run

    run(compose_cfg("train.epochs=1", "attack.bootstrap=0", *overrides), tmp_path / "run")


def test_many_augmented_queries_are_refused_for_the_disk_before_training(disk, tmp_path):
    with pytest.raises(ConfigError) as refused:
        _run(tmp_path, "plan.num_models=2", "attack.queries.num_augmented=350000")
    said = str(refused.value)
    assert "\n" not in said, said
    assert re.fullmatch(
        r"attack\.queries\.num_augmented=350000, plan\.num_models=2: the run writes at least "
        r"\S+ [MG]B \(checkpoints \S+ [KM]B, observations\.npz \S+ [MG]B\) but \S+/run has 100 MB "
        r"free; lower attack\.queries\.num_augmented, plan\.num_models or run elsewhere "
        r"\(hydra\.run\.dir=\.\.\.\)", said), said
    assert not (tmp_path / "run").exists()  # (before the folder)


def test_the_default_run_goes_on_and_its_directory_is_asked(disk, tmp_path):
    with pytest.raises(Checked):
        _run(tmp_path)
    assert disk and all(str(path) == str(tmp_path / "run") for path in disk)
