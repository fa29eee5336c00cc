"""A model store entry whose models were reordered (models 0 and 1 swapped in the .pt, its
manifest's sha256 and size rewritten to match) was reused: each model was given another
model's masks, and the attacks measured models of other members (a tiny sweep's loss AUC
moved from 0.566 to 0.540). Each stored model now carries its index; an entry whose models
are not in their order is distrusted and its models trained again. Entries written before
(no index) are read as they were."""

from __future__ import annotations

import hashlib
import json
import logging

import torch

from mia_defense.cli.build import run
from mia_defense.store import ModelStore
from tests.helpers import LEAN_ATTACKS
from tests.scale.sweeps import TINY

LEAN = (*TINY, *LEAN_ATTACKS)


def _rewrite(entry, change):
    payload = torch.load(entry, weights_only=True)
    change(payload)
    torch.save(payload, entry)
    manifest = entry.with_suffix(".json")
    raw = entry.read_bytes()
    meta = json.loads(manifest.read_text())
    manifest.write_text(json.dumps(
        {**meta, "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}))


def test_an_entry_with_its_models_reordered_is_trained_again(make_cfg, tmp_path, caplog):
    store = tmp_path / "store"
    cfg = make_cfg(*LEAN, f"cache_dir={store}")
    run(cfg, tmp_path / "a")
    (entry,) = store.glob("*.pt")
    digest = entry.stem
    payload = torch.load(entry, weights_only=True)
    assert [m["index"] for m in payload["models"]] == list(range(len(payload["models"])))
    num_models = len(payload["models"])
    assert ModelStore(store)._read(digest, num_models=num_models) is not None

    def swap(p):
        p["models"][0], p["models"][1] = p["models"][1], p["models"][0]

    _rewrite(entry, swap)
    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    assert ModelStore(store)._read(digest, num_models=num_models) is None
    assert ("is not used: model 0 holds model 1: the entry's models were reordered after it "
            "was written; training its models again") in caplog.text
    assert run(cfg, tmp_path / "b").training["reused"] == 0

    # an entry written before models carried their index is still reused
    _rewrite(entry, lambda p: [m.pop("index") for m in p["models"]])
    assert ModelStore(store)._read(digest, num_models=num_models) is not None
