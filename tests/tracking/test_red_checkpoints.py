"""Red-team cases of checkpoint files: what must never reach torch.load's memory."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from pathlib import Path

import pytest
import torch

from mia_defense.errors import DataError
from mia_defense.store import STORE_SCHEMA, ModelStore
from mia_defense.training.checkpoints import archive_problem, load_checkpoint, save_checkpoint


def _deflated(payload: dict) -> bytes:
    """``payload`` saved by torch.save, then every entry of the zip deflated."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
    return out.getvalue()


def _payload(numel: int) -> dict:
    return {"state_dict": {"w": torch.zeros(numel)}, "fingerprint": "f",
            "history": {"epochs": [], "stats": {}}}  # fmt: skip


def test_a_compressed_checkpoint_is_refused_before_torch_inflates_it(tmp_path):
    # 4 MB of zeros deflate to a few KB; torch.load inflated them all (a 230 KB file of one
    # tensor loaded as 200 MB): a small file could take the run's memory
    path = tmp_path / "model_0000.pt"
    path.write_bytes(_deflated(_payload(1_000_000)))
    assert path.stat().st_size < 100_000
    with pytest.raises(DataError, match=r"model_0000.pt is corrupt or not a mia-defense "
                       r"checkpoint \(compressed entries such as .*which torch.save never "
                       r"writes\); delete it"):  # fmt: skip
        load_checkpoint(path)
    good = tmp_path / "model_0001.pt"
    save_checkpoint(good, _payload(10))
    assert archive_problem(good) is None and archive_problem(io.BytesIO(good.read_bytes())) is None
    assert load_checkpoint(good)["state_dict"]["w"].shape == (10,)


def test_a_store_entry_that_is_a_zip_bomb_is_trained_again(tmp_path, caplog):
    store = ModelStore(tmp_path)
    digest = "k" * 16
    raw = _deflated({"schema": STORE_SCHEMA, "key": digest, "models": []})
    Path(store._weights(digest)).write_bytes(raw)
    Path(store._manifest(digest)).write_text(json.dumps(
        {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest(), "key": digest}))
    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    assert store._read(digest, num_models=2) is None
    assert "compressed entries such as" in caplog.text
