"""The refusal of a bad dataset.plan told the user 'the packaged configs set dataset.plan:
${plan}', which conf/dataset/csv.yaml no longer does since fc5723f: the whole ${plan} has
no seed, so a config of one's own written after that hint drew the test split from
dataset.seed (with dataset.seed set apart: not the run's split, and the preprocessing was
fitted on rows the run tests on). The hint names what the packaged config sets."""

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
