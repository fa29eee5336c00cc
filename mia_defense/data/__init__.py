"""Datasets: the `Dataset` seam and its loaders."""

from mia_defense.data.dataset import Dataset
from mia_defense.data.sklearn_datasets import load_breast_cancer, load_digits

__all__ = ["Dataset", "load_breast_cancer", "load_digits"]
