"""api.load_observations of a file whose copy_groups cannot be its records' (floats, or
groups joining records of other models) warned 'give api.audit(obs, copy_groups=...)',
advice that audit then refused, while mia-attack refuses the file itself. It now refuses
the file as mia-attack does, naming it and the key."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError
from tests.helpers import write_with_extra
from tests.test_h170_copies_reattacked import _copied_observations


@pytest.mark.parametrize("wrong", [
    np.arange(300, dtype=np.float64) // 2 * 2,  # the right groups, as floats
    np.zeros(300, dtype=np.int64),  # every record one group: their masks differ
])  # fmt: skip
def test_a_file_whose_copy_groups_do_not_fit_is_refused_naming_it(tmp_path, wrong):
    obs, _ = _copied_observations()
    with pytest.raises(DataError, match=r"obs\.npz: copy_groups: "):  # (h224: save refuses)
        obs.save(tmp_path / "obs.npz", copy_groups=wrong)
    write_with_extra(obs, tmp_path / "obs.npz", copy_groups=wrong)
    with pytest.raises(DataError, match=r"obs\.npz: copy_groups: "):
        api.load_observations(tmp_path / "obs.npz")


def test_a_file_whose_copy_groups_fit_is_read_with_the_advice(tmp_path, caplog):
    obs, groups = _copied_observations()
    obs.save(tmp_path / "obs.npz", copy_groups=groups)
    with caplog.at_level("WARNING"):
        again = api.load_observations(tmp_path / "obs.npz")
    assert np.array_equal(again.masks, obs.masks)
    assert "api.audit(obs, copy_groups=" in caplog.text
