"""A checkpoint (or model store entry) holding a sparse, meta or float8 tensor, which torch's
weights-only loader accepts, ended a resume with a raw NotImplementedError or RuntimeError
from the finiteness check of its weights; it is now refused as any malformed checkpoint is,
naming the file and the fix (a store entry is trained again). So is one whose resume
settings are not a mapping of names to numbers or text (a tensor there was a raw RuntimeError
or TypeError when compared or shown), and one whose history's epoch is no whole number
(1e300: a raw ValueError from TensorBoard once the run resumed)."""

from dataclasses import fields

import pytest
import torch

from mia_defense.errors import DataError
from mia_defense.store import STORE_SCHEMA, _payload_problem
from mia_defense.training.checkpoints import check_checkpoint_dir, load_checkpoint, save_checkpoint
from mia_defense.training.loop import EpochRecord

FORGED = {
    "sparse": lambda: torch.zeros(2, 3).to_sparse(),
    "meta": lambda: torch.empty(2, 3, device="meta"),
    "float8": lambda: torch.zeros(2, 3).to(torch.float8_e4m3fn),
}


@pytest.mark.parametrize("kind", sorted(FORGED))
def test_a_checkpoint_of_a_tensor_torch_cannot_check_is_refused_naming_it(kind, tmp_path):
    path = tmp_path / "model_0000.pt"
    save_checkpoint(path, {"state_dict": {"weight": FORGED[kind](), "bias": torch.zeros(2)},
                           "history": {"epochs": [], "stats": {}}, "fingerprint": "f",
                           "index": 0})  # fmt: skip
    with pytest.raises(DataError, match=rf"checkpoint {path} holds a tensor whose values "
                       r"cannot be checked \(sparse, meta or float8: .*\); delete it to "
                       "retrain that model"):  # fmt: skip
        load_checkpoint(path, fingerprint="f")


def test_a_store_entry_of_a_sparse_tensor_is_distrusted():
    model = {"state_dict": {"weight": FORGED["sparse"]()}, "history": {"epochs": [], "stats": {}}}
    entry = {"key": "k", "schema": STORE_SCHEMA, "models": [model]}
    problem = _payload_problem(entry, digest="k", num_models=1)
    assert problem is not None and problem.startswith("model 0 holds a tensor whose values")


@pytest.mark.parametrize("settings", [{"train.chunk_size": torch.tensor([1, 2])},
                                      {"train.chunk_size": torch.tensor(2)}, "chunk"])
def test_a_checkpoint_of_malformed_settings_is_refused_naming_it(settings, tmp_path):
    # compared on a resume, and shown as JSON: a raw RuntimeError or TypeError traceback
    path = tmp_path / "model_0000.pt"
    save_checkpoint(path, {"state_dict": {"w": torch.zeros(2)}, "fingerprint": "f",
                           "history": {"epochs": [], "stats": {}}, "settings": settings})
    with pytest.raises(DataError, match=rf"checkpoint {path} has malformed 'settings' \(not a "
                       r"mapping of names to numbers or text\); delete it to retrain"):
        check_checkpoint_dir(tmp_path, fingerprint="f", num_models=1,
                             settings={"train.chunk_size": 1, "train.device": "cpu"})


@pytest.mark.parametrize("epoch", [1e300, 2.0**31, 0.5])
def test_a_checkpoint_whose_history_has_no_whole_epoch_is_refused(epoch, tmp_path):
    # 1e300 passed as finite, and the resumed run's TensorBoard curves ended it with a raw
    # 'ValueError: Value out of range' (a step beyond int64)
    width = len(fields(EpochRecord))
    path = tmp_path / "model_0000.pt"
    save_checkpoint(path, {"state_dict": {"w": torch.zeros(2)}, "fingerprint": "f",
                           "history": {"epochs": [[epoch] + [0.5] * (width - 1)],
                                       "stats": {}}})  # fmt: skip
    with pytest.raises(DataError, match=rf"checkpoint {path} has a malformed 'history' \(an "
                       r"epoch record whose epoch is no whole number below 2\*\*31 .*\); "
                       "delete it to retrain that model"):  # fmt: skip
        load_checkpoint(path, fingerprint="f")
    save_checkpoint(path, {"state_dict": {"w": torch.zeros(2)}, "fingerprint": "f",
                           "history": {"epochs": [[3.0] + [0.5] * (width - 1)],
                                       "stats": {}}})  # fmt: skip
    assert load_checkpoint(path, fingerprint="f")["history"]["epochs"][0][0] == 3.0
