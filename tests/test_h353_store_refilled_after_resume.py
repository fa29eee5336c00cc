"""A run interrupted after some of its models were saved but before the model store's entry
was written never filled that entry: each resume skipped the store (its checkpoints 'may have
trained under other train.chunk_size, train.threads or train.device'), so every later run of
the sweep's key trained the models again. A resume whose earlier checkpoints record this
run's settings (a resume under others is refused) writes the entry (h353)."""

from __future__ import annotations

import logging

import pytest
import torch

from mia_defense.store import ModelStore, _mark_start
from mia_defense.training.checkpoints import checkpoint_path, save_state
from mia_defense.training.loop import Ensemble

SETTINGS = {"train.chunk_size": None, "train.device": "cpu", "train.threads": 1}
KEY = "k" * 64
HISTORY = {"epochs": [[1, 0.5, 0.5, 0.5, 0.5]], "stats": {}}


@pytest.mark.parametrize(("earlier", "started", "stored"), [
    (SETTINGS, KEY, True),  # (the interrupted start's, as the resume's: the key's models)
    ({**SETTINGS, "train.chunk_size": 2}, KEY, False),  # (311f2913's case: not this key's)
    (None, KEY, False),  # (a checkpoint that records none: not known)
    # (h365: a start under another key, the settings alike: another machine's CPU kernels
    # or GPU, another train.eval_every's histories; or a start from before the mark)
    (SETTINGS, "o" * 64, False),
    (SETTINGS, None, False),
])  # fmt: skip
def test_a_resumed_run_fills_its_entry_where_it_trained_the_keys_models(
    tmp_path, caplog, earlier, started, stored
):
    out = tmp_path / "checkpoints"

    def save(k: int, settings: dict | None) -> None:
        save_state(checkpoint_path(out, k), {"w": torch.full((3,), float(k))}, HISTORY,
                   fingerprint="f", settings=settings)  # fmt: skip

    if started is not None:  # (the first start's mark, as train_once leaves it)
        _mark_start(out, started)
    save(0, earlier)  # model 0 saved before the interruption

    def train() -> Ensemble:  # (the resume: trains what is not saved yet)
        save(1, SETTINGS)
        return Ensemble(models=[], histories=[])

    store = ModelStore(tmp_path / "store")
    with caplog.at_level(logging.INFO, logger="mia_defense.store"):
        store.train_once((KEY, {}), train, checkpoint_dir=out, fingerprint="f",
                         num_models=2, stage="model", settings=SETTINGS)  # fmt: skip
    entry = store._read(KEY, num_models=2)
    assert (entry is not None) is stored, caplog.text
    if stored:
        assert [m["state_dict"]["w"][0].item() for m in entry] == [0.0, 1.0]
    else:
        assert "not stored" in caplog.text


def test_a_resume_under_another_key_leaves_no_later_resume_storing_the_mix(tmp_path):
    # (h365: started under KEY, resumed under another (train.eval_every=5) and interrupted
    # again, then resumed under KEY: its checkpoints mix both, not KEY's models)
    out, store = tmp_path / "checkpoints", ModelStore(tmp_path / "store")

    def save(k: int) -> Ensemble:
        save_state(checkpoint_path(out, k), {"w": torch.zeros(3)}, HISTORY, fingerprint="f",
                   settings=SETTINGS)  # fmt: skip
        return Ensemble(models=[], histories=[])

    def interrupted() -> Ensemble:
        save(1)
        raise KeyboardInterrupt

    _mark_start(out, KEY)
    save(0)
    with pytest.raises(KeyboardInterrupt):
        store.train_once(("o" * 64, {}), interrupted, checkpoint_dir=out, fingerprint="f",
                         num_models=3, stage="model", settings=SETTINGS)  # fmt: skip
    store.train_once((KEY, {}), lambda: save(2), checkpoint_dir=out, fingerprint="f",
                     num_models=3, stage="model", settings=SETTINGS)  # fmt: skip
    assert store._read(KEY, num_models=3) is None
