"""release takes one choice: a list of releases is refused, not merged into the last one."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from mia_defense.cli.sweep_checks import refuse_stacked_release


def _config(*task: str):
    return OmegaConf.create({"hydra": {"overrides": {"task": list(task)}}})


@pytest.mark.parametrize("override", ["release=[label_only,full]", "+release=[full,label_only]",
                                      "release=[topk],[label_only,full]"])
def test_a_list_of_releases_is_refused(override: str, caplog) -> None:
    # release=[label_only,full] ran the full release without a word
    with pytest.raises(SystemExit) as exc:
        refuse_stacked_release(_config("train.epochs=2", override))
    assert exc.value.code == 2
    assert "release takes one choice" in caplog.text


@pytest.mark.parametrize("override", ["release=topk", "release=[topk]", "release=topk,rounding",
                                      "release=[topk,topk]", "release.k=2"])
def test_one_release_passes(override: str) -> None:
    refuse_stacked_release(_config(override))
