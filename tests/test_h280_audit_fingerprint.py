"""The one-run audit's gradient canaries change DP-SGD's weights on the stacked engine, but the
checkpoints' fingerprint left them out: a run folder of ``defense=dp attack.audit=one_run``
without its results.json, run again with ``attack.audit=none``, loaded the canary-trained
models as plain ones. The fingerprint holds ``attack.audit_gradient_canaries`` where they
ride, and only there; finished runs stamped before still read."""

from __future__ import annotations

import pytest
import torch

from mia_defense.run_fingerprint import config_fingerprint
from mia_defense.tracking.artifacts import FIRST_CHECKPOINT, config_mismatch

DP = {"dp": {"_target_": "mia_defense.defenses.DPSGD", "max_grad_norm": 1.0}}
AUDIT = {"audit": "one_run", "white_box": True, "audit_gradient_canaries": 100}


def _config(defense=DP, engine="stacked", **attack):
    return {"dataset": {"_target_": "digits"}, "model": {"hidden": [8]}, "plan": {"num_models": 4},
            "train": {"engine": engine, "epochs": 2}, "defense": defense, "seed": 0,
            "attack": {**AUDIT, **attack}}  # fmt: skip


@pytest.mark.parametrize(("config", "rides"), [
    (_config(), True),
    (_config(defense={"mine": {"_target_": "my_pkg.MyDP"}}), True),  # may subclass DPSGD
    (_config(defense={"dp": {"_target_": "mia_defense.defenses.dp.DPSGD"}}), True),
    (_config(engine="opacus"), False),
    (_config(white_box=False), False),
    (_config(audit_gradient_canaries=0), False),
    (_config(defense={"rl": {"_target_": "mia_defense.defenses.RelaxLoss"}}), False),
    (_config(defense={}), False),
])  # fmt: skip
def test_the_fingerprint_holds_the_gradient_canaries_where_they_ride(config, rides):
    plain = {**config, "attack": {**config["attack"], "audit": "none"}}
    num = 2 * config["attack"]["audit_gradient_canaries"]
    more = {**config, "attack": {**config["attack"], "audit_gradient_canaries": num}}
    fingerprint = config_fingerprint(config, data="d", code="c")
    assert (fingerprint != config_fingerprint(plain, data="d", code="c")) is rides
    assert (fingerprint != config_fingerprint(more, data="d", code="c")) is rides
    # where none ride, the fingerprint is the one runs carried before
    assert (fingerprint != config_fingerprint(config, data="d", code="c",
                                              gradient_canaries=False)) is rides  # fmt: skip


def test_a_finished_audit_run_stamped_before_still_reads(tmp_path):
    config = _config()
    results = {"config": config, "data_fingerprint": "d", "versions": {"training_code": "c"},
               "sha256": {FIRST_CHECKPOINT: "x"}}  # fmt: skip
    path = tmp_path / FIRST_CHECKPOINT
    path.parent.mkdir()
    for fingerprint in (config_fingerprint(config, data="d", code="c"),
                        config_fingerprint(config, data="d", code="c", gradient_canaries=False)):
        torch.save({"fingerprint": fingerprint}, path)
        assert config_mismatch(tmp_path, results) is None
    # results.json edited to say the audit was off: its checkpoints carried canaries
    torch.save({"fingerprint": config_fingerprint(config, data="d", code="c")}, path)
    edited = {**results, "config": {**config, "attack": {**AUDIT, "audit": "none"}}}
    assert config_mismatch(tmp_path, edited) is not None
