"""dataset=csv fits its scaling and one-hot categories on the rows outside the run's test
split. With dataset.seed set apart from the run's seed (a max_samples subset kept across
seeds), the loader drew that split from dataset.seed: not the run's split, so it fitted on
13 of the run's 20 test rows. The packaged config passes the run's seed in dataset.plan."""
import numpy as np
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from mia_defense.data import load_csv
from mia_defense.errors import ConfigError
from mia_defense.plan import make_plan


def test_csv_preprocessing_is_fitted_outside_the_runs_test_rows(tmp_path, make_cfg):
    rng = np.random.default_rng(0)
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "".join(f"{rng.normal() * 3 + 5:.4f},{rng.normal():.4f},"
                                        f"{i % 2}\n" for i in range(60)))
    cfg = make_cfg("dataset=csv", f"dataset.path={path}", "dataset.label_column=y",
                   "plan.population_size=30", "plan.test_size=20", "seed=0", "dataset.seed=1")
    data = instantiate(cfg.dataset)
    plan = OmegaConf.to_container(cfg.plan, resolve=True)
    test = make_plan(data, num_models=2, population_size=plan["population_size"],
                     test_size=plan["test_size"], reference_size=plan["reference_size"],
                     seed=cfg.seed).test_idx
    fitted = np.setdiff1d(np.arange(len(data)), test)
    # standardised on exactly the rows the run does not test on: mean 0, std 1 there
    np.testing.assert_allclose(data.x[fitted].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(data.x[fitted].std(axis=0), 1, atol=1e-5)


def test_a_plan_seed_that_is_no_seed_is_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,y\n" + "".join(f"{i * 0.37 % 1:.3f},{i % 2}\n" for i in range(40)))
    with pytest.raises(ConfigError, match=r"dataset.plan.seed=-1: must be an integer >= 0"):
        load_csv(path=path, label_column="y", plan={"population_size": 20, "seed": -1})
