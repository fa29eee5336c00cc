"""A data file that is missing or a folder, a CSV header lacking dataset.label_column,
dataset.drop_columns or dataset.categories' columns, an .npz lacking dataset.x_key's array,
and plan sizes or a release.k a bundled dataset cannot hold were refused only once the data
was read, after mia-train had made the run directory (a folder holding only the error's log).
Now check_config runs the loaders' own checks of their file that read no data
(csv_file.check_csv_source, tabular.check_npz_source) and holds the plan and the release to
the bundled datasets' known sizes (sklearn_datasets.BUNDLED_SIZES, plan.plan_sizes, the
release's check), in the loaders' words, before the run directory."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data.sklearn_datasets import BUNDLED_SIZES, load_breast_cancer, load_digits
from tests.helpers import refused_before_run_dir


def _csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"{'xy'[i % 2]},{i % 3}.5,{i % 2}\n"
                                            for i in range(40)))
    return path


@pytest.mark.parametrize("settings, said", [
    (["dataset.path=no_such.csv"], "no_such.csv does not exist; set dataset.path to a CSV file "
     "with a header line"),
    (["dataset.path=sub"], "sub is a folder; point dataset.path at the CSV"),
    (["dataset.path=d.csv", "dataset.label_column=lbl"], "d.csv: no column 'lbl' in the "
     "header ['a', 'b', 'label']; set dataset.label_column (did you mean 'label'?)"),
    (["dataset.path=d.csv", "dataset.drop_columns=[zz]"], "dataset.drop_columns: d.csv has no "
     "column 'zz'"),
    (["dataset.path=d.csv", "dataset.categories={zz:[p,q]}"], "dataset.categories.zz: d.csv "
     "has no feature column 'zz' (its feature columns: ['a', 'b'])"),
])
def test_csv_file_and_header_refused_before_the_run_directory(tmp_path, settings, said):
    _csv(tmp_path)
    (tmp_path / "sub").mkdir()
    stderr = refused_before_run_dir("dataset=csv", "dataset.label_column=label", *settings,
                                    cwd=tmp_path)
    assert said in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("settings, said", [
    (["dataset.path=no_such.npz"], "no_such.npz does not exist; set dataset.path to an .npz "
     "file made with np.savez"),
    (["dataset.path=d.npz", "dataset.x_key=feat"], "d.npz: no array 'feat' (features); it "
     "holds ['x', 'y']; set dataset.x_key to one of them"),
    (["dataset.path=d.npz", "dataset.y_key=lab"], "d.npz: no array 'lab' (labels)"),
])
def test_npz_file_and_arrays_refused_before_the_run_directory(tmp_path, settings, said):
    np.savez(tmp_path / "d.npz", x=np.zeros((30, 3)), y=np.arange(30) % 2)
    stderr = refused_before_run_dir("dataset=npz", *settings, cwd=tmp_path)
    assert said in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("settings, said", [
    (["release=topk", "release.k=11"], "release.k=11: larger than the dataset's 10 classes; "
     "choose k in [1, 10]"),
    (["dataset=breast_cancer", "release=topk", "release.k=3"], "release.k=3: larger than the "
     "dataset's 2 classes; choose k in [1, 2]"),
    (["plan.population_size=5000"], "plan.population_size=5000, plan.test_size=-3203 (what is "
     "left), plan.reference_size=0: too few samples for the plan; need population >= 2, test "
     ">= 1 and population + test + reference <= the 1797 samples in dataset 'digits'; lower "
     "plan.population_size to at most 1796, or use more data"),
    (["dataset=digits_images", "plan.reference_size=1795"], "plan.reference_size=1795: leaves "
     "2 of the 1797 samples in dataset 'digits'"),
])
def test_bundled_sizes_refused_before_the_run_directory(tmp_path, settings, said):
    stderr = refused_before_run_dir(*settings, cwd=tmp_path)
    assert said in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("name, load", [("load_digits", load_digits),
                                        ("load_breast_cancer", load_breast_cancer)])
def test_bundled_sizes_are_the_loaded_ones(name, load):
    data = load()
    assert BUNDLED_SIZES[name] == (len(data.y), data.num_classes)
    assert data.num_classes == len(np.unique(data.y))
