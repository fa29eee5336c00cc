"""A killed ``defense=dp attack.audit=one_run attack.white_box=true`` run trained every model
again when resumed ('not resuming from the 2 saved models: the one-run audit's gradient
canaries ride on training'): what the auditor saw of each chunk rode on training and was
not saved. Each model's record is now saved beside its checkpoint (``canaries_<model>.npz``)
and the resume loads the chunks saved with theirs, auditing what an
uninterrupted run audits; a record damaged or of another run is refused, naming it."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from mia_defense.audit import DiracCanaryAudit
from mia_defense.defenses.dp_mechanism import RandomSource
from mia_defense.defenses.dp_stacked import PrivateSteps, gradient_canaries
from mia_defense.errors import DataError

AUDIT = ("defense=dp", "attack.audit=one_run", "attack.white_box=true",
         "attack.audit_gradient_canaries=50", "attack.audit_canaries=10", "train.chunk_size=2",
         "train.epochs=1", "plan.population_size=200", "attack.bootstrap=0",
         "attack.queries.num_augmented=0", "~attack.attacks.shokri", "~attack.attacks.rmia")


@pytest.mark.slow
def test_a_killed_white_box_audit_resumes_its_saved_chunks_with_the_same_numbers(
    make_cfg, tmp_path, monkeypatch
):
    import mia_defense.training.ensemble as ensemble
    from mia_defense.cli.train import run
    from mia_defense.tracking import load_npz, read_json

    trained, saves = [], []
    train_chunk, save_model = ensemble.train_chunk, ensemble.save_model

    def counted(models, **kwargs):
        trained.append(len(models))
        return train_chunk(models, **kwargs)

    def killed_at_the_second_chunk(path, *args, **kwargs):
        saves.append(path.name)
        if len(saves) == 3:  # (the second chunk trained, its models not saved)
            raise KeyboardInterrupt
        return save_model(path, *args, **kwargs)

    monkeypatch.setattr(ensemble, "train_chunk", counted)
    cfg = make_cfg(*AUDIT)
    run(cfg, tmp_path / "whole")
    assert trained == [2, 2]
    monkeypatch.setattr(ensemble, "save_model", killed_at_the_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        run(cfg, tmp_path / "killed")
    first = sorted((tmp_path / "killed" / "checkpoints").glob("model_*.pt"))
    assert len(first) == 2
    before = {p.name: p.read_bytes() for p in first}
    monkeypatch.setattr(ensemble, "save_model", save_model)
    trained.clear()
    run(cfg, tmp_path / "killed")
    assert trained == [2]  # the saved chunk was loaded, not trained again
    assert {p.name: p.read_bytes() for p in first} == before
    whole, resumed = (read_json(tmp_path / d / "results.json")["privacy"]["audit"]
                      for d in ("whole", "killed"))  # fmt: skip
    assert resumed["white_box"]["models"] == 4
    assert resumed["white_box"] == whole["white_box"]
    a, b = (load_npz(tmp_path / d / "audit.npz") for d in ("whole", "killed"))
    for name in ("white_box/scores", "white_box/included", "white_box/sums"):
        np.testing.assert_array_equal(a[name], b[name])


def _recorded(directory, *, num=20, fingerprint="f") -> DiracCanaryAudit:
    """An audit of one chunk of models 0 and 1, trained 5 DP-SGD steps; its record saved in
    ``directory``."""
    audit = DiracCanaryAudit(num=num, seed=3)
    assert audit.resume(directory, [[0, 1]], [False], fingerprint=fingerprint) == [False]
    with gradient_canaries(audit):
        steps = PrivateSteps(
            sizes=[50, 60], batch_size=10, sigma=1.0, max_grad_norm=1.0, deltas=[1e-5] * 2,
            accountant="rdp",
            sources=[RandomSource.seeded(torch.Generator().manual_seed(k)) for k in range(2)],
        )
    data = torch.Generator().manual_seed(9)
    for _ in range(5):
        steps.noisy_grads({"w": torch.randn(2, 100, generator=data)}, ["w"],
                          torch.ones(2, dtype=torch.bool))  # fmt: skip
    steps.canaries.finish()
    return audit


def test_a_chunks_record_is_read_back_as_it_was_seen(tmp_path, caplog):
    seen = _recorded(tmp_path).scores()
    again = DiracCanaryAudit(num=20, seed=3)
    with caplog.at_level(logging.WARNING):  # (model 2 was saved without a record)
        loaded = again.resume(tmp_path, [[0, 1], [2]], [True, True], fingerprint="f")
    assert loaded == [True, False] and "training models 2 again" in caplog.text
    restored = again.scores()
    assert restored.models == seen.models == 2
    for name in ("scores", "included", "sums"):
        np.testing.assert_array_equal(getattr(restored, name), getattr(seen, name))


@pytest.mark.parametrize("damage, said", [
    ("bytes", "corrupt or not an .npz"),
    ("fingerprint", "was written for another model"),
    ("canaries", "no record of a model with 30 canaries"),
    (("llr", np.nan), r"holds what no run writes \(llr not finite\): it is damaged"),
    (("sum", np.inf), r"\(sum not finite\)"),
    (("sigma", -1.0), r"\(sigma below 0\)"),
    (("steps", -5), r"\(steps below 0\)"),
])  # fmt: skip
def test_a_damaged_or_foreign_record_is_refused_naming_it(tmp_path, damage, said):
    _recorded(tmp_path)
    path = tmp_path / "canaries_0000.npz"
    if damage == "bytes":
        path.write_bytes(path.read_bytes()[:40])
    elif isinstance(damage, tuple):  # (a value written over one of the record's own)
        name, value = damage
        arrays = dict(np.load(path))
        arrays[name] = np.full_like(arrays[name], value)
        np.savez(path, **arrays)
    again = DiracCanaryAudit(num=30 if damage == "canaries" else 20, seed=3)
    fingerprint = "g" if damage == "fingerprint" else "f"
    with pytest.raises(DataError, match=said) as raised:
        again.resume(tmp_path, [[0, 1]], [True], fingerprint=fingerprint)
    assert f"record {path}" in str(raised.value) and f"delete {path}" in str(raised.value)


def test_gradient_canaries_do_not_ride_on_the_opacus_engine():
    """On train.engine=opacus DP-SGD's clipped sums carry no canary (the white-box side is
    skipped), yet the audit's hook was set: each resumed chunk trained again for want of a
    record it never had, and the model store was left unused."""
    from types import SimpleNamespace

    from mia_defense.audit.one_run import AuditConfig
    from mia_defense.defenses.dp import DPSGD
    from mia_defense.pipeline.train import gradient_canaries_ride

    audit = AuditConfig(kind="one_run", gradient_canaries=10)
    for engine, ride in (("stacked", True), ("opacus", False)):
        experiment = SimpleNamespace(audit=audit, train=SimpleNamespace(engine=engine),
                                     build_defenses=lambda: [DPSGD.__new__(DPSGD)])
        assert gradient_canaries_ride(experiment) is ride
