"""A model store entry edited to hold a view that claims far more values than it stores
(``torch.zeros(1).expand(2 * 10**8)``, its manifest's sha256 and size written to match: a
160 kB file) was checked for non-finite weights over the view: 1.3 GB for that entry, more
than the machine has for a larger one, before any other check could distrust it. The
run's checkpoint loader reads what each tensor stores (`_stored`); the store now leaves
that check to it, as it does for the rest of a model's fields."""

from __future__ import annotations

import hashlib
import io
import json
import logging

import torch

from mia_defense.store import STORE_SCHEMA, ModelStore

HISTORY = {"epochs": [[0, 1.0, 0.5, 1.0, 0.5]], "stats": {}, "epoch_stats": [{}],
           "released": None}  # fmt: skip


def _entry(root, state):
    digest = "ab" * 32
    buffer = io.BytesIO()
    torch.save({"schema": STORE_SCHEMA, "key": digest,
                "models": [{"state_dict": state, "history": HISTORY}]}, buffer)  # fmt: skip
    raw = buffer.getvalue()
    root.mkdir(exist_ok=True)
    (root / f"{digest}.pt").write_bytes(raw)
    (root / f"{digest}.json").write_text(json.dumps(
        {"key": digest, "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}))
    return digest


def test_a_view_is_checked_over_what_it_stores(tmp_path, monkeypatch):
    seen = []
    isfinite = torch.isfinite
    monkeypatch.setattr(torch, "isfinite", lambda t: seen.append(t.numel()) or isfinite(t))
    digest = _entry(tmp_path, {"w": torch.zeros(1).expand(2 * 10**8), "b": torch.ones(3)})
    models = ModelStore(tmp_path)._read(digest, num_models=1)
    assert models is not None and seen and max(seen) <= 3


def test_non_finite_weights_still_distrust_the_entry(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    weight = torch.ones(4)
    weight[2] = float("nan")
    digest = _entry(tmp_path, {"w": weight.expand(2, 4)})
    assert ModelStore(tmp_path)._read(digest, num_models=1) is None
    assert "is not used: model 0 holds non-finite weights (w)" in caplog.text
