"""``privacy.epsilon_untested`` (a DP claim nothing measured could refute: a run with canaries
or a one-run audit, which the report cannot check again), ``privacy.no_verdict_reason``
(the attacks could not judge: the run was ranked) and mia-attack's
``privacy.masks_suspect`` were written only where they applied, so deleting one took its
caveat with it: absent read as fine. mia-train and mia-attack now write them always (null
where nothing is wrong), and mia-report names one missing from a file of that version
(``released_labels_only``, written since shortly before) as deleted; older files stay as
they were read. ``data_label_copies``, written always since before that mark, the same
(h315)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.report import load_runs
from mia_defense.tracking import write_json, write_npz
from tests.report.fake_runs import make_run


@pytest.mark.parametrize(
    ("source", "marked", "deleted", "named"),
    [
        (False, True, None, None),
        (False, True, "epsilon_untested", "no privacy.epsilon_untested (whether any"),
        (True, True, "epsilon_untested", "no privacy.epsilon_untested (whether any"),
        (True, True, "masks_suspect", "no privacy.masks_suspect (whether its masks"),
        (True, True, None, None),
        (False, True, "data_label_copies", "no data_label_copies (whether feature columns"),
        (True, True, "no_verdict_reason", "no privacy.no_verdict_reason (whether its attacks"),
        # written before the fields were written always: missing was a run's normal state
        (True, False, "masks_suspect", None),
        (False, False, "epsilon_untested", None),
    ],
)  # fmt: skip
def test_caveat_field_deleted(tmp_path, source, marked, deleted, named) -> None:
    run = tmp_path / "run"
    payload = make_run(run, test_accuracy=0.8, signal=1.0, defense="dp", epsilon=8.0)
    payload["privacy"].update(epsilon_refuted=False, epsilon_untested=None,
                              no_verdict_reason=None, outputs_saturated=None)
    # (mia-defense's writer mark; canaries, whose bounds the report cannot hold the claim to
    # again: `_with_claim` leaves epsilon_untested missing)
    payload.update(timings={"training": 1.0}, headline={}, data_duplicates=0, canaries=10)
    with np.load(run / "scores.npz") as data:
        write_npz(run / "scores.npz", **dict(data), is_canary=np.arange(200) < 10)
    if marked:
        payload["released_labels_only"] = False
    if source:  # mia-attack's record
        payload["source"] = {"kind": "observations", "path": "obs.npz", "metadata": {}}
        payload["privacy"]["masks_suspect"] = None
    payload["data_label_copies"] = []
    if deleted is not None:
        del (payload if deleted in payload else payload["privacy"])[deleted]
    write_json(run / "results.json", payload)
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["run"]  # (ranked, with its caveats)
    said = [n for _, n in loaded.caveats if "deleted, or written before" in n]
    if named is None:
        assert not said
    else:
        (note,) = said
        assert named in note
