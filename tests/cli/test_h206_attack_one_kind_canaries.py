"""mia-attack on an observations file whose canaries (is_canary) were members of every model
(or of none): the file check lets canaries be (the one-run audit draws them so), and their
figures came out NaN without a word. A warning now says why, and what to do."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from mia_defense.cli import attack as attack_cli
from tests.cli.test_attack_cli import _attack_cfg
from tests.helpers import synthetic_observations

N = 60
ATTACKS = ("attack.bootstrap=0", "~attack.attacks.shokri", "~attack.attacks.rmia",
           "~attack.attacks.label_only")  # fmt: skip


def _file(tmp_path: Path, member: bool | None) -> Path:
    obs = synthetic_observations(num_models=4, num_samples=N, num_classes=3, signal=2.0)
    obs.save(tmp_path / "plain.npz")
    arrays = dict(np.load(tmp_path / "plain.npz"))
    arrays["is_canary"] = np.arange(N) < 12
    if member is not None:
        arrays["masks"] = arrays["masks"].copy()
        arrays["masks"][:, :12] = member
    np.savez(tmp_path / "flagged.npz", **arrays)
    return tmp_path / "flagged.npz"


@pytest.mark.parametrize(("member", "said"), [(True, "trained on"), (False, "held out")])
def test_canaries_of_one_kind_are_said_to_have_nan_figures(tmp_path, caplog, member, said):
    with caplog.at_level(logging.WARNING), threadpool_limits(1):
        cfg = _attack_cfg(_file(tmp_path, member), *ATTACKS, "figures=false")  # no figure read
        result = attack_cli.run(cfg, tmp_path / "out")
    assert np.isnan(result.slices["loss"]["canaries"]["auc"])
    assert f"every target model {said} its 12 canaries" in caplog.text
    assert "their figures (AUC, TPRs) are NaN" in caplog.text


def test_canaries_of_both_kinds_give_no_such_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING), threadpool_limits(1):
        cfg = _attack_cfg(_file(tmp_path, None), *ATTACKS, "figures=false")  # no figure read
        result = attack_cli.run(cfg, tmp_path / "out")
    assert not np.isnan(result.slices["loss"]["canaries"]["auc"])
    assert "are NaN" not in caplog.text


def test_api_audit_says_so_too(caplog):
    """The warning lives in the evaluation every tool shares (api.audit's figures were NaN
    without a word where mia-attack's were explained)."""
    from mia_defense.api import audit

    obs = synthetic_observations(num_models=4, num_samples=N, num_classes=3, signal=2.0)
    obs.masks[:, :12] = True
    with caplog.at_level(logging.WARNING), threadpool_limits(1):
        audit(obs, overrides=list(ATTACKS), is_canary=np.arange(N) < 12)
    assert "every target model trained on its 12 canaries" in caplog.text
