"""Datasets: the `Dataset` seam, embedded and generated data, and loaders for users' files."""

from mia_defense.data.cifar import load_cifar10, load_cifar100
from mia_defense.data.csv_file import load_csv
from mia_defense.data.dataset import Dataset
from mia_defense.data.idx import load_fashion_mnist, load_mnist
from mia_defense.data.sklearn_datasets import load_breast_cancer, load_digits
from mia_defense.data.synthetic import make_purchase_like, make_texas_like
from mia_defense.data.tabular import load_npz, load_purchase100, load_texas100

__all__ = [
    "Dataset",
    "load_breast_cancer",
    "load_cifar10",
    "load_cifar100",
    "load_csv",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "load_npz",
    "load_purchase100",
    "load_texas100",
    "make_purchase_like",
    "make_texas_like",
]
