"""h564: mia-attack copies an observations file's extra arrays into its own run's
observations.npz. An array whose name is a path (``../evil``, ``/tmp/x``, ``a/b``: a zip
entry a hostile file can hold) was copied under that name, so mia-attack's own output held
an entry that an unzip writes outside its folder. Such a file is refused naming the array,
before the run directory is made."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations


@pytest.mark.parametrize("name", ["../evil", "/tmp/evil", "a/b", "a\\b", ".."])
def test_an_extra_array_named_as_a_path_is_refused(tmp_path, name):
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.arange(3))
    with zipfile.ZipFile(tmp_path / "o.npz", "a") as archive:
        archive.writestr(f"{name}.npy", buffer.getvalue())
    done = mia_attack("o.npz", *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert not (tmp_path / "out").exists()
    said = done.stderr.strip().splitlines()[-1]
    assert said.startswith(f"DataError: o.npz: an array named {name!r}, a path"), said
