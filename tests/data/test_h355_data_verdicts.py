"""Data a user brings that breaks the run's arithmetic, refused before any training (h355)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.data import Dataset, load_csv
from mia_defense.defenses import FullRelease
from mia_defense.errors import DataError
from mia_defense.experiment import _divergence_hint
from mia_defense.pipeline.data import prepare_data


def test_features_whose_squares_overflow_float32_are_refused(make_cfg, tmp_path) -> None:
    """Features of 4e19 used unscaled (npz, dataset.standardize=false) trained and were
    attacked, then the run ended in 'DataError: Observations.save: ... grad_norms: must be
    finite' (the white-box gradient norms overflowed float32), naming neither the data nor
    the setting; 4e18 still trains, and so does 4e30 standardised."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    path = tmp_path / "d.npz"

    def prepared(scale: float, *more: str) -> None:
        np.savez(path, x=x * np.float32(scale), y=y)
        cfg = make_cfg("dataset=npz", f"dataset.path={path}", "plan.population_size=200",
                       "plan.test_size=100", *more)
        prepare_data(build_experiment(cfg))

    with pytest.raises(DataError, match=r"d\.npz\): features reach .* beyond 1\.8e\+19, whose "
                       r"square overflows .*dataset\.standardize=true") as refused:
        prepared(1e19)
    peak = float(np.abs(x * np.float32(1e19)).max())  # (the data's, not its first sample's)
    assert f"features reach {peak:.3g} in magnitude" in str(refused.value)
    prepared(1e18)
    prepared(1e30, "dataset.standardize=true")


def test_unscaled_csv_columns_are_warned_as_the_npz_loader_warns(tmp_path, caplog) -> None:
    """A CSV of features up to 4e6 read with dataset.standardize=false trained without a
    word (the npz loader warned of the same features): its models' outputs saturated, every
    attack's signal tied, and the run read TPR 0 at every FPR where the standardised file
    gave a clear leak."""
    rows = [f"{i * 37 % 101 * 4e4},{i % 3},c{i % 4},{i % 2}" for i in range(60)]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(["income,small,kind,label", *rows]) + "\n")
    plan = {"population_size": 40, "test_size": 20, "reference_size": 0, "seed": 0}
    with caplog.at_level(logging.WARNING, logger="mia_defense.data.csv_file"):
        load_csv(path=path, label_column="label", plan=plan, standardize=False)
    assert ("d.csv: the file has features up to 4e+06 in magnitude (column 'income'), used as "
            "they are (dataset.standardize=false): the models train poorly on unscaled "
            "features, and their outputs can saturate") in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mia_defense.data.csv_file"):
        load_csv(path=path, label_column="label", plan=plan)
    assert "in magnitude" not in caplog.text


def test_a_divergence_on_unscaled_features_names_them_before_the_learning_rate() -> None:
    """Features of 4e10 unscaled diverged under SGD with 'likely cause: train.lr=0.001,
    train.momentum=0.9 (lower the learning rate first)'; a learning rate low enough to train
    on them left outputs so saturated that the attacks read no leak."""
    x = np.zeros((40, 3), np.float32)
    x[:, 1] = np.linspace(-4e10, 4e10, 40)
    data = Dataset(x=x, y=np.arange(40) % 2, num_classes=2, name="npz", source="d.npz")
    train = SimpleNamespace(lr=1e-3, weight_decay=0.0, optimizer="sgd", momentum=0.9)
    experiment = SimpleNamespace(train=train, build_defenses=list, release=FullRelease(),
                                 shadow_recipe="same", dataset=data)
    assert _divergence_hint(experiment).startswith(
        "likely cause: dataset 'npz' (from d.npz) has features up to 4e+10 in magnitude "
        "(column 1, counting from 0), used unscaled: scale them first "
        "(dataset.standardize=true, or in your loader); if training still diverges, likely "
        "cause: train.lr=0.001, train.momentum=0.9")
    data = Dataset(x=x / np.float32(1e10), y=data.y, num_classes=2, name="npz")
    assert _divergence_hint(SimpleNamespace(**{**vars(experiment), "dataset": data})).startswith(
        "likely cause: train.lr=0.001")
