"""Hostile configs: every group has a typed schema, checked before any data is loaded.

`check_config` refuses unknown keys (with the closest valid name), wrong types, NaN/inf,
values out of range and what the machine lacks, all problems of a config in one
`ConfigError`; `mia-train` prints it and leaves no run directory behind.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import torch

from mia_defense.budget import check_budget, estimate, usable_cores
from mia_defense.config import check_config
from mia_defense.config_tables import PLAN, QUERIES, TRAIN
from mia_defense.errors import ConfigError
from mia_defense.experiment import PlanConfig
from mia_defense.queries import QueryConfig
from mia_defense.training.config import TrainConfig
from tests.helpers import mia_train

CONF = Path(__file__).resolve().parents[2] / "conf"
CORES = usable_cores()

# (overrides, the problem line check_config must report); make_cfg's TINY plan has
# plan.num_models=4 and plan.population_size=300.
CASES = [
    # unknown keys, with the closest valid name
    (["+trian.epochs=100"], r"^\+trian: unknown top-level key 'trian'; did you mean 'train'\?$"),
    (["+train.foo=1"], r"^\+train.foo=1: unknown key 'foo' in train; valid keys: epochs, "),
    (["+attack.queries.nosie_std=1"],
     r"^\+attack.queries.nosie_std=1: unknown key 'nosie_std' in attack.queries; did you "
     r"mean 'noise_std'\?$"),
    (["defense=dp", "+defense.dp.max_grad_nrom=1"],
     r"^defense.dp.max_grad_nrom=1: unknown key 'max_grad_nrom' for "
     r"mia_defense.defenses.DPSGD; did you mean 'max_grad_norm'\?$"),
    (["+attack.attacks.rmia.gama=2"],
     r"^attack.attacks.rmia.gama=2: unknown key 'gama' for mia_defense.attacks.rmia; "
     r"did you mean 'gamma'\?$"),
    (["+model.hiden=[64]"],
     r"^model.hiden=\[64\]: unknown key 'hiden' for mia_defense.models.MLP; did you mean "
     r"'hidden'\?$"),
    (["model=custom", "model._target_=torch.nn.Linear", "+model.in_features=64"],
     r"^model.out_features: missing; torch.nn.Linear takes out_features with no default; set "
     r"it, e.g. \+model.out_features=...$"),
    # wrong types
    (["attack.bootstrap=abc"], r"^attack.bootstrap='abc': must be an integer in \[0, 100000\]"),
    (["attack.bootstrap=100000000"],
     r"^attack.bootstrap=100000000: must be an integer in \[0, 100000\] \(0: no confidence "
     r"intervals; 200 is plenty"),
    (["train.epochs=1.5"], r"^train.epochs=1.5: must be an integer >= 1$"),
    (["seed=abc"], r"^seed='abc': must be an integer >= 0 "),
    (["train.engine=1"], r"^train.engine=1: must be one of 'stacked', 'opacus'"),
    (["release=rounding", "release.decimals=1.5"],
     r"^release.decimals=1.5: must be an integer \(mia_defense.defenses.RoundingRelease "
     r"takes decimals: int\)$"),
    (["model.dropout=abc"], r"^model.dropout='abc': must be a number \(.*MLP takes dropout"),
    (["train.optimizer=ADAM"],
     r"^train.optimizer='ADAM': must be one of 'adam', 'sgd' or a \{_target_: \.\.\.\} "
     r"\(_target_: any element-wise torch.optim class\); did you mean 'adam'\?$"),
    # NaN, inf and negative values where they make no sense
    (["train.lr=inf"], r"^train.lr=inf: must be a finite number > 0$"),
    (["attack.queries.noise_std=nan"],
     r"^attack.queries.noise_std=nan: must be a finite number >= 0$"),
    (["train.momentum=-5"], r"^train.momentum=-5: must be a number in \[0, 1\)"),
    (["train.weight_decay=nan"], r"^train.weight_decay=nan: must be a finite number >= 0$"),
    (["defense=dp", "defense.dp.noise_multiplier=nan", "defense.dp.target_epsilon=null"],
     r"^defense.dp.noise_multiplier=nan: must be a finite number \(no nan or inf\)$"),
    (["release=noise", "release.scale=inf"],
     r"^release.scale=inf: must be a finite number \(no nan or inf\)$"),
    (["model.hidden=[64,nan]"], r"^model.hidden=\[64, nan\]: must be a finite number"),
    # ranges
    (["attack.fprs=[]"], r"^attack.fprs=\[\]: must be a non-empty list of numbers in \(0, 1\)$"),
    (["seed=-1"], r"^seed=-1: must be an integer >= 0 "),
    (["attack.attacks.rmia.num_z=0"],
     r"^attack.attacks.rmia.num_z=0: must be an integer >= 1 or null"),
    (["attack.attacks.shokri.folds=1"],
     r"^attack.attacks.shokri.folds=1: must be an integer >= 2$"),
    (["attack.canaries.num=151"],
     r"^attack.canaries.num=151: more than half of plan.population_size=300; .*at most 150\)$"),
    ([f"train.threads={CORES + 1}"],
     rf"^train.threads={CORES + 1}: more than the {CORES} cores this process may use; use 0 "),
    (["plan.num_models=100000"],
     r"^plan.num_models=100000: must be an even integer in \[2, 4096\]"),
    (["plan.num_models=3"], r"^plan.num_models=3: must be an even integer in \[2, 4096\]"),
    (["attack.num_targets=5"],
     r"^attack.num_targets=5: must lie in \[1, 4\] \(plan.num_models\) or be null$"),
    (["release=rounding", "release.decimals=-1"], r"^release.decimals=-1: must be >= 0$"),
    # 10^400 overflows float64: the release gave NaN, blamed on train.lr as divergence
    (["release=rounding", "release.decimals=400"],
     r"^release.decimals=400: must be <= 300 \(the probabilities are scaled by 10\^decimals"),
    (["release=noise", "release.scale=1e308"], r"^release.scale=1e\+308: must be <= 1e\+06 "),
    (["defense=dropout", "defense.dropout.p=1.5"],
     r"^defense.dropout.p=1.5: must lie in \[0, 1\)$"),
    # _target_ nodes
    (["model=custom"],
     r"^model._target_=\?\?\?: a required value is missing; set it, e.g. model._target_=...$"),
    (["attack.attacks.loss._target_=nowhere.loss_attack"],
     r"^attack.attacks.loss._target_='nowhere.loss_attack': cannot import it \(.*No module "
     r"named 'nowhere'.*\); point it at an importable class or function$"),
    (["attack.attacks=null"],
     r"^attack.attacks=null: must be a mapping of NAME: \{_target_: ...\}$"),
    (["~attack.attacks"], r"^attack.attacks: missing; it is required \('~attack.attacks' "
     r"deletes every entry: leave entries out one by one with '~attack.attacks.NAME', or "
     r"give your own after it with '\+attack.attacks.NAME=\{_target_: ...\}'\)$"),
    # a deleted setting fell back on TrainConfig's default, which results.json did not record
    (["~train.lr"], r"^train.lr: missing; it is required$"),
    (["~plan.reference_size"], r"^plan.reference_size: missing; it is required$"),
]


@pytest.mark.parametrize(("overrides", "line"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_config_is_refused_with_a_line_naming_the_key(make_cfg, overrides, line):
    cfg = make_cfg(*overrides)
    with pytest.raises(ConfigError, match=line) as caught:
        check_config(cfg)
    assert "\n" not in str(caught.value), "one problem, one line"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_cuda_on_a_machine_without_it(make_cfg):
    with pytest.raises(ConfigError, match=r"^train.device='cuda': no CUDA device is available "
                       r"on this machine; use train.device=cpu or auto$"):
        check_config(make_cfg("train.device=cuda"))


def test_every_problem_is_reported_together(make_cfg):
    cfg = make_cfg("train.lr=inf", "seed=-1", "+trian.epochs=100", "attack.fprs=[]",
                   "defense=dp", "defense.dp.max_grad_norm=nan")  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        check_config(cfg)
    lines = str(caught.value).splitlines()
    assert lines[0] == "5 problems in the config:"
    assert sorted(line.strip() for line in lines[1:]) == [
        "+trian: unknown top-level key 'trian'; did you mean 'train'?",
        "attack.fprs=[]: must be a non-empty list of numbers in (0, 1)",
        "defense.dp.max_grad_norm=nan: must be a finite number (no nan or inf)",
        "seed=-1: must be an integer >= 0 (the one seed of the run, e.g. seed=0)",
        "train.lr=inf: must be a finite number > 0",
    ]


def test_an_interpolated_value_is_reported_once_where_it_is_set(make_cfg):
    # attack.attacks.rmia.seed and shokri.seed are ${seed}: one line, for seed
    with pytest.raises(ConfigError, match=r"^seed='abc': [^\n]*$"):
        check_config(make_cfg("seed=abc"))


# -- no false alarms: every packaged option passes, and nothing is loaded ------------------


def _options(group: str, *, skip: tuple[str, ...] = ()) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml") if p.stem not in skip)


def _dataset(name: str) -> list[str]:
    """``dataset=NAME`` with its mandatory keys (``???``) set to files that do not exist."""
    text = (CONF / "dataset" / f"{name}.yaml").read_text()
    required = [line.split(":")[0] for line in text.splitlines() if ": ???" in line]
    return [f"dataset={name}", *(f"dataset.{key}=/no/such/{key}" for key in required)]


PACKAGED = (
    [_dataset(name) for name in _options("dataset")]
    + [[f"model={name}"] for name in _options("model", skip=("custom",))]
    + [["model=custom", "model._target_=torch.nn.Linear", "+model.in_features=64",
        "+model.out_features=10"]]
    + [[f"release={name}"] for name in _options("release")]
    + [[f"defense=[{','.join(_options('defense'))}]", "defense.dp.target_epsilon=null",
        "defense.dp.noise_multiplier=1.0"]]
    + [[f"+experiment={name}"] for name in _options("experiment")]
    + [["hparams_search=optuna_tradeoff"], ["train.device=auto", "train.threads=0"]]
)  # fmt: skip


@pytest.mark.parametrize("overrides", PACKAGED, ids=[" ".join(o) for o in PACKAGED])
def test_packaged_configs_pass(make_cfg, overrides, tmp_path):
    """Also: the data files named (/no/such.*) are never opened, the datasets (CIFAR,
    Purchase, ...) never downloaded: the check loads nothing. (A CSV's or an NPZ's file is
    checked, its header line or its arrays' names only: the test gives files that exist.)"""
    check_config(make_cfg(*_existing_files(overrides, tmp_path)))


# The (empty) files a folder of each dataset's own files holds: its config check finds them,
# reading none (h209: they are checked before the run directory, as a CSV's header is).
_DATASET_FILES = {
    "dataset=mnist": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                      "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    "dataset=cifar10": (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"),
    "dataset=cifar100": ("train", "test"),
    "dataset=purchase100": ("dataset_purchase",),
    "dataset=texas100": ("feats", "labels"),
}
_DATASET_FILES["dataset=fashion_mnist"] = _DATASET_FILES["dataset=mnist"]


def _existing_files(overrides: list[str], folder: Path) -> list[str]:
    """``overrides`` with dataset=csv's and dataset=npz's /no/such/path made files that hold
    the columns and arrays the settings name, and the other datasets' made a folder of their
    files (empty: the check reads none of them)."""
    if "dataset=csv" in overrides:
        (folder / "d.csv").write_text("a,/no/such/label_column\n1,0\n")
    elif "dataset=npz" in overrides:
        np.savez(folder / "d.npz", x=np.zeros((4, 2)), y=np.zeros(4))
    elif files := next((_DATASET_FILES[o] for o in overrides if o in _DATASET_FILES), None):
        for name in files:
            (folder / name).write_bytes(b"")
        return [f"dataset.path={folder}" if o == "dataset.path=/no/such/path" else o
                for o in overrides]
    else:
        return overrides
    name = "d.csv" if "dataset=csv" in overrides else "d.npz"
    return [f"dataset.path={folder / name}" if o == "dataset.path=/no/such/path" else o
            for o in overrides]


def test_tables_cover_the_settings_dataclasses():
    assert set(TRAIN) == {f.name for f in fields(TrainConfig)}
    assert set(PLAN) == {f.name for f in fields(PlanConfig)}
    assert set(QUERIES) == {f.name for f in fields(QueryConfig)}


def test_train_config_built_in_code_uses_the_same_table():
    TrainConfig()  # the defaults pass
    with pytest.raises(ConfigError, match=r"^train.epochs=1.5: must be an integer >= 1\n"
                       r"train.lr=nan: must be a finite number > 0$"):
        TrainConfig(epochs=1.5, lr=float("nan"))  # type: ignore[arg-type]


# -- the memory and time budget ------------------------------------------------------------

DIGITS = dict(population_size=1000, test_size=500, num_classes=10, num_params=9610,
              num_augmented=8, epochs=30, batch_size=64)  # fmt: skip


def test_estimate_counts_the_observations_models_and_optimizer_state():
    need = estimate(num_models=16, **DIGITS, chunk_size=4)
    # population and test outputs (and the population's logits as it is released), the 8
    # queries' logit and label, augmented LiRA's working copies of them (2d77c6b3), the masks,
    # the int64 labels of the population and test set (h524)
    assert need.observations == (4 * 16 * (1000 + 500 + 1000) * 10 + 5 * 16 * 8 * 1000
                                 + (4 * 16 + 28 * 15 + 24) * 8 * 1000 + 16 * 1000
                                 + 8 * (1000 + 500))  # fmt: skip
    assert need.models == need.checkpoints == 4 * 16 * 9610
    assert need.optimizer == 4 * 4 * 4 * 9610  # params, grads, two Adam moments of a chunk
    assert need.steps == 16 * 30 * 8  # ceil(500 members / 64)
    assert need.memory == need.observations + need.models + need.optimizer


def test_the_default_run_is_within_budget():
    check_budget(num_models=16, **DIGITS, memory_bytes=2 * 10**9)


def test_budget_refuses_memory_and_time_together_with_the_estimates():
    cifar = dict(population_size=50_000, test_size=10_000, num_classes=10,
                 num_params=270_000, num_augmented=8, epochs=100, batch_size=128)  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        check_budget(num_models=100_000, **cifar, memory_bytes=64 * 10**9)
    memory, time = str(caught.value).splitlines()
    # (the queries' part is most of it: LiRA's working copies of 8 augmented queries)
    assert memory.startswith("attack.queries.num_augmented=8, plan.num_models=100000: the run "
                             "needs about ")
    assert "of RAM (observations 1.92 TB, models 108 GB" in memory
    assert memory.endswith("but 64 GB is available; lower plan.num_models, "
                           "plan.population_size or attack.queries.num_augmented")
    assert re.fullmatch(
        r"plan.num_models=100000, train.epochs=100: training would take about 71.8 days "
        r"\(estimated 6.2e\+17 floating-point operations at an optimistic 1e\+11/s on cpu and "
        r"2e\+09 optimizer steps; 50000 population records, 10 classes, 270000 parameters per "
        r"model\), over the 24 h limit; lower plan.num_models, train.epochs or "
        r"plan.population_size",
        time,
    ), time


def test_budget_time_limit_alone():
    with pytest.raises(ConfigError, match=r"^plan.num_models=4000, train.epochs=30: training "
                       r"would take about 112 min \(estimated 6.7e\+14 .*over the 1 h limit"):
        check_budget(num_models=4000, **{**DIGITS, "num_params": 10**6},
                     memory_bytes=10**13, max_hours=1)  # fmt: skip


# -- through the console script: one message, no run directory -----------------------------


@pytest.mark.parametrize(
    ("overrides", "lines"),
    [
        (["train.lr=inf", "seed=-1", "+trian.epochs=100"],
         ["ConfigError: 3 problems in the config:",
          "  train.lr=inf: must be a finite number > 0",
          "  seed=-1: must be an integer >= 0 (the one seed of the run, e.g. seed=0)",
          "  +trian: unknown top-level key 'trian'; did you mean 'train'?"]),
        (["defense=dp", "+defense.dp.max_grad_nrom=1"],
         ["ConfigError: defense.dp.max_grad_nrom=1: unknown key 'max_grad_nrom' for "
          "mia_defense.defenses.DPSGD; did you mean 'max_grad_norm'?"]),
        (["plan.num_models=100000"],
         ["ConfigError: plan.num_models=100000: must be an even integer in [2, 4096] "]),
    ],
)  # fmt: skip
def test_mia_train_refuses_before_creating_the_run_directory(
    tmp_path, monkeypatch, overrides, lines
):
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    run_dir = tmp_path / "run"
    # in this process (tests.helpers.mia_train): the same entry point, without a start-up
    completed = mia_train(*overrides, "progress=false", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert "Traceback" not in output
    text = output.splitlines()
    first = next(i for i, line in enumerate(text) if "ConfigError: " in line)
    assert text[first].endswith(lines[0]) or lines[0] in text[first]
    assert text[first + 1 : first + len(lines)] == lines[1:]
    assert not run_dir.exists()
    assert list(tmp_path.iterdir()) == []  # nothing else written either (no outputs/)
