"""Hostile sizes of the generated datasets (helper 200). purchase_like and texas_like
refused sizes past the memory only as they were generated, after mia-train had made the run
directory (a folder holding only the error's log), as were plan sizes past
dataset.num_samples; and purchase_like's k-means ran for as long as it took without a word
(num_samples=50000 num_classes=2000: over a minute silent, up to some 40 min on 2 cores)."""

from __future__ import annotations

import logging

import pytest

from mia_defense import budget
from mia_defense.data import guards, make_purchase_like
from mia_defense.data import synthetic as synthetic_module
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


@pytest.mark.parametrize("settings, said", [
    (["dataset=purchase_like", "dataset.num_samples=4000", "dataset.num_features=200"],
     "dataset.num_samples=4000, dataset.num_features=200: generating purchase_like would need "),
    (["dataset=texas_like", "dataset.num_samples=4000", "dataset.num_features=200"],
     "dataset.num_samples=4000, dataset.num_features=200: generating texas_like would need "),
    (["dataset=purchase_like", "dataset.num_samples=1000", "dataset.num_features=10",
      "dataset.num_classes=500", "dataset.basket_size=5"],
     "dataset.num_samples=1000, dataset.num_classes=500: labelling purchase_like with k-means "
     "would need "),
    (["dataset=purchase_like", "dataset.num_samples=100", "dataset.num_classes=10",
      "plan.population_size=200"],
     "<= the 100 samples in dataset 'purchase_like'"),
])
def test_generated_sizes_refused_before_the_run_directory(tmp_path, monkeypatch, settings, said):
    """4000 x 200 values (22 MB at 28 bytes each) and 1000 x 500 k-means pairs (16 MB)
    against a 4 MB budget; nothing is generated."""
    monkeypatch.setattr(guards, "MEMORY_BUDGET", 4 << 20)
    stderr = refused_before_run_dir(*settings, cwd=tmp_path)
    assert said in stderr
    assert "Traceback" not in stderr


def test_kmeans_that_cannot_finish_is_refused(monkeypatch):
    """At 1 operation a second, a 200 x 10 k-means into 10 clusters takes days: the same
    check refuses 10^6 times those sizes on a real CPU before anything is drawn."""
    monkeypatch.setitem(budget.FLOPS, "cpu", 1.0)
    with pytest.raises(ConfigError, match=r"dataset\.num_samples=200, dataset\.num_features=10, "
                                          r"dataset\.num_classes=10: labelling purchase_like "
                                          r"with k-means would take at least .* h .*lower "
                                          r"dataset\.num_classes"):
        make_purchase_like(num_samples=200, num_features=10, num_classes=10, basket_size=5)


def test_long_kmeans_is_announced(monkeypatch, caplog):
    monkeypatch.setattr(synthetic_module, "_TYPICAL_FLOPS", 1e3)
    with caplog.at_level(logging.WARNING, logger="mia_defense.data.synthetic"):
        make_purchase_like(num_samples=200, num_features=10, num_classes=10, basket_size=5)
    assert "purchase_like: labelling 200 samples of 10 features with k-means into 10 " \
           "clusters may take up to" in caplog.text


def test_small_kmeans_is_not_announced(caplog):
    with caplog.at_level(logging.WARNING, logger="mia_defense.data.synthetic"):
        make_purchase_like(num_samples=200, num_features=10, num_classes=10, basket_size=5)
    assert "k-means" not in caplog.text


def test_many_texas_classes_are_announced(monkeypatch, caplog):
    """texas_like draws each class's profile in a Python step: num_classes=1000000 spent
    over a minute there without a word."""
    monkeypatch.setattr(synthetic_module, "_TEXAS_SECONDS_PER_CLASS", 10.0)
    with caplog.at_level(logging.WARNING, logger="mia_defense.data.synthetic"):
        synthetic_module.make_texas_like(num_samples=100, num_features=40, num_classes=10,
                                         codes_per_class=3)
    assert "texas_like: drawing the attributes and codes of 10 classes one class at a time " \
           "takes about 1.67 min" in caplog.text


def test_outputs_past_the_memory_refused_before_the_run_directory(tmp_path, monkeypatch):
    """texas_like num_classes=1000000 was generated for two minutes, after the run directory
    was made, before the budget found that its released outputs alone needed 120 TB. Here
    16 models x 1000 records x 10 classes (640 KB) against 100 KB."""
    import mia_defense.config_fits as config_fits

    monkeypatch.setattr(config_fits, "available_memory", lambda: 100_000)
    stderr = refused_before_run_dir("dataset=purchase_like", "dataset.num_samples=1000",
                                    "dataset.num_classes=10", "plan.population_size=600",
                                    cwd=tmp_path)
    assert ("plan.num_models=16, dataset.num_classes=10: the released outputs alone need "
            "640000 bytes of RAM (float32, models x 600 population and 400 test records x "
            "classes) but ") in stderr


def test_outputs_that_fit_pass(make_cfg):
    from mia_defense.config import check_config

    check_config(make_cfg("dataset=purchase_like", "dataset.num_samples=1000",
                          "dataset.num_classes=10"))
