"""release.k above the classes a CSV or NPZ dataset is given (dataset.num_classes) was refused
only once the labels were read, after the run directory was made; and mia-train read a CSV's
header three times per run (its config checked in the callback and again as the task builds
it, then the loader). Now the release is held to dataset.num_classes before the run
directory, and a source check that passed is not repeated on the same, unchanged file (h197).
With dataset.num_classes null the classes are the labels': still refused once they are read."""

from __future__ import annotations

import numpy as np
import pytest

import mia_defense.data.csv_file as csv_file
from tests.helpers import mia_train, refused_before_run_dir

SMALL = ["plan.population_size=30", "plan.test_size=20", "plan.num_models=2",
         "train.batch_size=8"]


def _csv(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"{i * 0.37:.2f},{i % 3}.25,{i % 2}\n"
                                            for i in range(60)))  # fmt: skip
    return path


@pytest.mark.parametrize("dataset", ["csv", "npz"])
def test_release_k_above_the_given_classes_is_refused_before_the_run_directory(
    tmp_path, dataset
):
    _csv(tmp_path)
    np.savez(tmp_path / "d.npz", x=np.zeros((60, 3)), y=np.arange(60) % 2)
    settings = (["dataset.path=d.csv", "dataset.label_column=label"] if dataset == "csv"
                else ["dataset.path=d.npz"])  # fmt: skip
    stderr = refused_before_run_dir(f"dataset={dataset}", *settings, "dataset.num_classes=2",
                                    "release=topk", "release.k=3", *SMALL, cwd=tmp_path)
    assert "release.k=3: larger than the dataset's 2 classes; choose k in [1, 2]" in stderr


def test_a_run_reads_the_csv_header_once_before_its_data(tmp_path, monkeypatch):
    _csv(tmp_path)
    opened = []
    rows = csv_file._csv_rows

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(args)
        return rows(*args, **kwargs)

    monkeypatch.setattr(csv_file, "_csv_rows", counted)
    done = mia_train("dataset=csv", "dataset.path=d.csv", "dataset.label_column=label",
                     "release=topk", "release.k=3", *SMALL, "hydra.run.dir=run",
                     "progress=false", cwd=tmp_path)  # fmt: skip
    # (the labels' 2 classes, read with the data: refused in the run directory, as before)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "release.k=3: larger than the dataset's 2 classes" in done.stderr
    assert len(opened) == 2  # the config check's header line, then the loader's read
    assert not (tmp_path / "run").exists()  # (a refused run leaves no folder: h459)
