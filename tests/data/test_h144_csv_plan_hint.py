"""The refusal of a bad dataset.plan told the user 'the packaged configs set dataset.plan:
${plan}', which conf/dataset/csv.yaml no longer does since fc5723f: the whole ${plan} has
no seed, so a config of one's own written after that hint drew the test split from
dataset.seed (with dataset.seed set apart: not the run's split, and the preprocessing was
fitted on rows the run tests on). The hint names what the packaged config sets."""

import logging
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from mia_defense.data import load_csv
from mia_defense.data.encoding import PLAN_KEYS
from mia_defense.errors import ConfigError

CSV_CONFIG = Path(__file__).resolve().parents[2] / "conf" / "dataset" / "csv.yaml"


def test_the_packaged_csv_config_sets_what_the_hint_says():
    plan = OmegaConf.to_container(OmegaConf.load(CSV_CONFIG).plan, resolve=False)
    assert plan == {**{key: f"${{plan.{key}}}" for key in PLAN_KEYS}, "seed": "${seed}"}


@pytest.mark.parametrize("plan", [5, {"population_size": 20, "test_sise": 3}])
def test_the_hint_of_a_bad_plan_names_the_packaged_settings(tmp_path, plan):
    path = tmp_path / "d.csv"
    path.write_text("a,y\n" + "".join(f"{i * 0.37 % 1:.3f},{i % 2}\n" for i in range(40)))
    with pytest.raises(ConfigError) as refused:
        load_csv(path=path, label_column="y", plan=plan)
    message = str(refused.value)
    assert "(the packaged configs set dataset.plan's sizes to ${plan.<key>} and its seed to " \
           "${seed})" in message
    assert "dataset.plan: ${plan}" not in message


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "".join(f"{i * 0.37 % 1 * 3 + 5:.4f},{i * 0.61 % 1:.4f},"
                                        f"{i % 2}\n" for i in range(60)))
    return path


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        (["dataset.plan=${plan}", "dataset.seed=1"], True),  # the old hint's config
        (["dataset.plan=${plan}"], False),  # dataset.seed is the run's: the run's split
        (["dataset.seed=1"], False),  # the packaged config: its plan has the run's seed
    ],
)
def test_a_plan_without_the_runs_seed_is_warned(tmp_path, make_cfg, caplog, overrides,
                                                warned):
    from mia_defense.cli.build import _dataset

    cfg = make_cfg("dataset=csv", f"dataset.path={_csv(tmp_path)}", "dataset.label_column=y",
                   "plan.population_size=30", "plan.test_size=20", "seed=0", *overrides)
    with caplog.at_level(logging.WARNING, logger="mia_defense.data.encoding"):
        _dataset(cfg)
    lines = [r.getMessage() for r in caplog.records if "dataset.plan has no seed" in
             r.getMessage()]
    assert len(lines) == int(warned)
    if warned:
        assert "drawn from dataset.seed=1, not the run's seed=0" in lines[0]
        assert "Add seed: ${seed} to dataset.plan" in lines[0]
