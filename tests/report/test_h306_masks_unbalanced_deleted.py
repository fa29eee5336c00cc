"""``privacy.masks_unbalanced`` (``masks_suspect``) deleted from mia-attack's record (a real
one: observations whose every record is IN for 1 of 4 models) took away the caveat that the
reference-based attacks may overstate the leak (that the masks may not be the models'): the
report now applies the same rule to the observations.npz the record saved (h306)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.report.checks import caveats
from mia_defense.report.runs import _with_masks_checked
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
    notes = [n for n in caveats(_with_masks_checked(tmp_path, payload))
             if n.startswith("masks unbalanced")]  # fmt: skip
    if said is None:
        assert not notes
    else:
        (note,) = notes
        assert note.startswith(said)


@pytest.mark.parametrize("recorded", [True, False])
def test_masks_suspect_deleted(tmp_path, recorded) -> None:
    """``privacy.masks_suspect`` likewise: masks whose IN records fit the models worse than
    the OUT ones (inverted), the field deleted from mia-attack's record."""
    from mia_defense.observations import Observations

    payload = make_run(tmp_path, test_accuracy=0.8, signal=1.0)
    payload["source"] = {"kind": "observations", "path": "obs.npz", "metadata": {}}
    if recorded:
        payload["privacy"]["masks_suspect"] = "its run's words"
    masks = (np.arange(4)[:, None] + np.arange(200)[None, :]) % 4 < 2  # each IN in 2 of 4
    p_true = np.where(masks, 0.3, 0.9)[..., None]
    log_probs = np.log(np.concatenate([p_true, 1 - p_true], axis=2)).astype(np.float32)
    Observations(log_probs, np.zeros(200, dtype=np.int64), masks).save(
        tmp_path / "observations.npz")
    (note,) = [n for n in caveats(_with_masks_checked(tmp_path, payload))
               if n.startswith("masks suspect")]  # fmt: skip
    said = "its run's words" if recorded else "found by the report on its observations.npz"
    assert said in note
