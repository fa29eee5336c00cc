"""nn.PReLU before nn.Bilinear under train.engine=opacus (Opacus' hooks fail on Bilinear's
two inputs) was refused as 'neither engine can train it as written ... or train it without
defense=dp', though the stacked engine trains it one model at a time
(train.chunk_size=1, h421). The refusal now names that fix, which trains (h423)."""

from __future__ import annotations

import pytest

from mia_defense.errors import UnsupportedModelError
from tests.hostile.test_h421_stacked_per_sample_mix import train_under_dp

pytest.importorskip("opacus")


@pytest.mark.filterwarnings("ignore:There is a performance drop")
def test_opacus_refusal_names_the_stacked_engine_one_model_at_a_time() -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        train_under_dp(engine="opacus")
    said = str(caught.value)
    assert "neither engine" not in said
    assert said.endswith("Fix: set train.engine=stacked train.chunk_size=1")
    train_under_dp(engine="stacked", chunk_size=1)  # (the fix it names trains)
