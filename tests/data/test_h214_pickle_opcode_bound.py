"""A CIFAR pickle made of millions of tiny opcodes is refused once it has run
`MAX_OPCODES` of them (h214): the pure-Python safe unpickler runs about 1.3 us per opcode,
so a 100 MB file of one-byte DUPs kept dataset=cifar10 busy for about 90 s before the memory
charge stopped it. A real-format batch runs about 10 opcodes per image, and the bound leaves
ten times what CIFAR-100's 50,000-image train file needs."""

from __future__ import annotations

import pickle
import pickletools
import re

import pytest

from mia_defense.data import load_cifar10, load_cifar100, safe_pickle
from mia_defense.errors import DataError
from tests.data.files import write_cifar_python


def _ops(raw: bytes) -> int:
    return sum(1 for _ in pickletools.genops(raw))


def test_a_pickle_of_many_tiny_opcodes_is_refused_at_the_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(safe_pickle, "MAX_OPCODES", 100_000)
    # a list grown by 1,000,000 DUPs: one byte per opcode, ~1 MB
    path = tmp_path / "data_batch_1"
    path.write_bytes(b"\x80\x02]q\x00(K\x00" + b"2" * 1_000_000 + b"e.")
    with pytest.raises(DataError, match="^" + re.escape(
        f"{path}: too large to unpickle safely (it runs more than 100000 opcodes (after "
    ) + r"\d+ of its 1000010 bytes\), far more than a dataset file of arrays needs\); the "
            r"file is corrupt or not a dataset file"):
        load_cifar10(path=path)


def test_the_bound_is_far_above_what_a_real_batch_runs(tmp_path):
    folder = write_cifar_python(tmp_path / "c100", n_train=200, n_test=20, cifar100=True)
    batch = pickle.loads((folder / "train").read_bytes())
    batch[b"filenames"] = [f"bos_taurus_s_{i:06d}.png".encode() for i in range(200)]
    raw = pickle.dumps(batch, protocol=2)  # distinct names, as the real files have
    half = pickle.dumps({key: value[:100] for key, value in batch.items()}, protocol=2)
    ops_per_image = (_ops(raw) - _ops(half)) / 100
    assert 8 < ops_per_image < 12
    assert safe_pickle.MAX_OPCODES >= 10 * 50_000 * ops_per_image
    (folder / "train").write_bytes(raw)
    assert len(load_cifar100(path=folder, split="train").y) == 200
