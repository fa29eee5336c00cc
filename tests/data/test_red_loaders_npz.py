"""Red-team checks of .npz loading: zip members compressed with methods other than deflate."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import DataError


def _npz(path, method: int) -> None:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, array in (("x", np.zeros((20, 3), np.float32)),
                            ("y", np.arange(20) % 2)):
            buffer = io.BytesIO()
            np.save(buffer, array)
            archive.writestr(f"{name}.npy", buffer.getvalue())


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_npz_compressed_with_bzip2_or_lzma_is_refused_before_expanding(tmp_path, method):
    # zipfile inflates bzip2 and lzma members without a bound on the output of each read
    # (deflate's has one): 177 bytes of bzip2 expand to 200 MB, so a 4 KB read of a forged
    # member expanded to gigabytes before any claim was checked. np.savez and
    # np.savez_compressed write stored or deflated members only.
    path = tmp_path / "data.npz"
    _npz(path, method)
    with pytest.raises(DataError, match=r"data\.npz: array 'x' is compressed with (bzip2|lzma)"
                                         r".*np\.savez_compressed"):
        load_npz(path=path)
