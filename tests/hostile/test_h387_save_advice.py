"""h387: Observations.save called from Python, failing to write, advised "choose a writable
run directory (hydra.run.dir=...)": a tool's setting, which a caller of save has none of
(obs.save('/some/folder') said so of a folder given for the file)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError
from mia_defense.files import RUN_FOLDER_SETTING
from mia_defense.observations import Observations


def _obs() -> Observations:
    rng = np.random.default_rng(0)
    masks = np.zeros((4, 20), bool)
    masks[:2, :10] = masks[2:, 10:] = True
    probs = rng.dirichlet(np.ones(3), size=(4, 20))
    return api.observations_from_arrays(probs, masks, rng.integers(0, 3, 20),
                                        kind="probabilities")  # fmt: skip


def test_a_folder_given_for_the_file_is_said_in_saves_words(tmp_path) -> None:
    with pytest.raises(DataError) as caught:
        _obs().save(tmp_path)
    said = str(caught.value)
    assert said == (f"Observations.save: {tmp_path}: cannot write it (Is a directory); give "
                    f"the path of a file in it, e.g. {tmp_path / 'observations.npz'}")
    assert caught.value.reason == "Is a directory"


def test_a_file_in_the_way_of_a_folder_is_said_in_saves_words(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match=r"^Observations.save: .*a file stands where one of "
                       r"its folders should be") as caught:
        _obs().save(tmp_path / "notes.txt" / "o.npz")
    assert "hydra" not in str(caught.value)


def test_inside_a_tool_the_run_folders_setting_is_named_as_before(tmp_path) -> None:
    token = RUN_FOLDER_SETTING.set("hydra.sweep.dir")  # (as mia-train's and mia-attack's main)
    try:
        with pytest.raises(DataError, match=r"choose a writable sweep directory "
                           r"\(hydra.sweep.dir=\.\.\.\)$"):
            _obs().save(tmp_path)
    finally:
        RUN_FOLDER_SETTING.reset(token)
