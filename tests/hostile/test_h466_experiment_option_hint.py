"""``mia-train -m +experiment=tradeoff_dpp`` (misspelt) was told '(e.g. experiment=tradeoff_dp)',
which Hydra refuses ('Could not override 'experiment'. No match in the defaults list'):
config.yaml has no entry of experiment, so only ``+experiment=...`` selects one. The
offered override is now one that composes."""

from __future__ import annotations

import pytest

from tests.helpers import composition_refused, mia_train


@pytest.mark.parametrize(("given", "offered"), [
    ("+experiment=tradeoff_dpp", "+experiment=tradeoff_dp"),
    ("dataset=digitz", "dataset=digits"),
    ("launcher=joblb", "launcher=joblib"),
    ("hydra/launcher=joblb", "hydra/launcher=joblib"),
])  # fmt: skip
def test_the_option_offered_for_a_misspelt_one_composes(tmp_path, given, offered):
    done = mia_train("-m", given, "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"(e.g. {offered})" in done.stderr, done.stderr[-2000:]
    assert not (tmp_path / "sweep").exists()
    # what it offers composes (a refusal of its own would raise here)
    with pytest.raises(pytest.fail.Exception):
        composition_refused([offered], multirun=True)
