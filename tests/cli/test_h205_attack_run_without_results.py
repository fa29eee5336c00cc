"""mia-attack on a run folder whose results.json was deleted (the README's way to resume a
run) or never written: it was attacked as a bare observations file, its defense "unknown",
its DP claim and settings dropped without a word. Such a folder is refused, naming the two
ways on; a user's folder holding an observations.npz alone is still attacked."""

from __future__ import annotations

import shutil

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from tests.cli.test_h201_attack_edited_seed import seed_one_run  # noqa: F401 (fixture)


@pytest.mark.parametrize("left", ["train.log", "checkpoints", "attack.log"])
def test_a_run_folder_without_results_json_is_refused(seed_one_run, tmp_path, left):  # noqa: F811
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(seed_one_run / "observations.npz", run)
    (run / left).mkdir() if left == "checkpoints" else (run / left).write_text("")
    with pytest.raises(DataError, match=r"a run folder without its results\.json .*finish the "
                                        r"run first .*mia-attack .*observations\.npz"):  # fmt: skip
        read_source(run)


def test_a_folder_of_observations_alone_is_still_read(seed_one_run, tmp_path):  # noqa: F811
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(seed_one_run / "observations.npz", folder)
    source = read_source(folder)
    assert source.results is None and source.observations.masks.shape[0] == 4
