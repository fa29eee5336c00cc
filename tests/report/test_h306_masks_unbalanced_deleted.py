"""``privacy.masks_unbalanced`` deleted from mia-attack's record (a real one: observations
whose every record is IN for 1 of 4 models) took away the caveat that the reference-based
attacks may overstate the leak: the report now applies the same rule to the masks of the
observations.npz the record saved (h306)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.report.checks import caveats
from mia_defense.report.folder_checks import _with_unbalanced
from mia_defense.tracking import write_npz
from tests.report.fake_runs import make_run


@pytest.mark.parametrize(("unbalanced", "recorded", "said"), [
    (True, None, "masks unbalanced: found by the report on its observations.npz"),
    (True, "its run's words", "masks unbalanced: its run's words"),
    (False, None, None),
])  # fmt: skip
def test_masks_unbalanced_deleted(tmp_path, unbalanced, recorded, said) -> None:
    payload = make_run(tmp_path, test_accuracy=0.8, signal=1.0)
    payload["source"] = {"kind": "observations", "path": "obs.npz", "metadata": {}}
    if recorded is not None:
        payload["privacy"]["masks_unbalanced"] = recorded
    if unbalanced:  # every record IN for exactly one of the 4 models
        masks = np.zeros((4, 200), dtype=bool)
        masks[np.arange(200) % 4, np.arange(200)] = True
        write_npz(tmp_path / "observations.npz", masks=masks,
                  labels=np.zeros(200, dtype=np.int64))  # fmt: skip
    notes = [n for n in caveats(_with_unbalanced(tmp_path, payload))
             if n.startswith("masks unbalanced")]  # fmt: skip
    if said is None:
        assert not notes
    else:
        (note,) = notes
        assert note.startswith(said)
