"""The Python API (issue 20, point 3): observations from numpy arrays or K torch modules, the
attack suite, the metrics table and the log-log ROC figure; the README's example runs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits
from torch import nn

from mia_defense import api
from mia_defense.attacks import loss_attack
from mia_defense.defenses.release import TopKRelease
from mia_defense.errors import ConfigError, DataError
from tests.helpers import synthetic_observations

README = Path(__file__).resolve().parents[1] / "README.md"
FAST = ["attack.bootstrap=0", "~attack.attacks.shokri"]


def _readme_example() -> str:
    """The python block of the README's section "Audit models you trained yourself"."""
    text = README.read_text()
    section = text.split("## Audit models you trained yourself", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow  # ~4 s: a whole DP run with its audit
def test_the_readme_example_runs_and_audits(tmp_path, monkeypatch, capsys):
    code = _readme_example()
    assert len([line for line in code.splitlines() if line and "import" not in line]) <= 10
    monkeypatch.chdir(tmp_path)
    with threadpool_limits(1):
        exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "lira_online" in out and "strongest attack at 0.1% FPR" in out
    assert "distinct records" not in out  # a population of 1/FPR records: no resolution NOTE
    assert (tmp_path / "roc.png").stat().st_size > 10_000


def test_make_plan_draws_mia_trains_balanced_masks():
    x, y = np.random.default_rng(0).normal(size=(90, 4)), np.arange(90) % 3
    plan = api.make_plan(x, y, num_models=6, population_size=60, seed=1)
    assert plan.masks.shape == (6, 60) and (plan.masks.sum(axis=0) == 3).all()
    assert len(plan.test_idx) == 30 and not set(plan.population_idx) & set(plan.test_idx)
    with pytest.raises(DataError, match="make_plan: y has dtype float64"):
        api.make_plan(x, y.astype(float))


def _trained_models(x: np.ndarray, y: np.ndarray, masks: np.ndarray) -> list[nn.Module]:
    models = []
    for k, members in enumerate(masks):
        torch.manual_seed(k)
        model = nn.Sequential(nn.Linear(x.shape[1], 8), nn.ReLU(), nn.Linear(8, 3))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
        inputs, labels = torch.as_tensor(x[members]), torch.as_tensor(y[members])
        for _ in range(30):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(inputs), labels).backward()
            optimizer.step()
        models.append(model)
    return models


def test_observe_models_queries_k_torch_modules_on_the_plans_records():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(80, 5)).astype(np.float32), np.arange(80) % 3
    plan = api.make_plan(x, y, num_models=4, population_size=60)
    models = _trained_models(x[plan.population_idx], y[plan.population_idx], plan.masks)
    obs = api.observe_models(models, x, y, plan, num_augmented=2, white_box=True)
    with torch.no_grad():
        expected = [torch.log_softmax(m(torch.as_tensor(x)), -1).numpy() for m in models]
    for k, log_probs in enumerate(expected):
        np.testing.assert_allclose(obs.log_probs[k], log_probs[plan.population_idx], atol=1e-5)
        np.testing.assert_allclose(obs.test_log_probs[k], log_probs[plan.test_idx], atol=1e-5)
    assert np.array_equal(obs.masks, plan.masks)
    assert np.array_equal(obs.labels, y[plan.population_idx])
    assert obs.augmented_logits.shape == (4, 2, 60) and obs.grad_norms.shape == (4, 60)
    top1 = api.observe_models(models, x, y, plan, release=TopKRelease(k=1))
    assert (np.isinf(top1.log_probs).sum(axis=-1) == 2).all()  # 2 of 3 classes withheld
    with pytest.raises(ConfigError, match="observe_models: 3 models for a plan of 4"):
        api.observe_models(models[:3], x, y, plan)


def test_audit_gives_the_table_rows_and_a_log_log_roc():
    obs = synthetic_observations(num_models=8, num_samples=200, num_classes=4, signal=1.0)
    with threadpool_limits(1):
        audit = api.audit(obs, overrides=[*FAST, "attack.num_targets=4"])
    rows = {row["attack"]: row for row in audit.rows()}
    assert "shokri" not in rows and rows["rmia"]["access"] == "outputs"
    truth = obs.masks[:4]  # every record pooled over the 4 targets, as results.json pools them
    reference = roc_auc_score(truth.ravel(), loss_attack(obs, np.arange(4)).ravel())
    assert rows["loss"]["auc"] == pytest.approx(reference, abs=1e-12)
    assert set(rows["loss"]) >= {"auc", "tpr@0.1%fpr", "tpr@1%fpr", "tpr@10%fpr", "advantage",
                                 "empirical_epsilon"}  # fmt: skip
    table = audit.table()
    assert "loss" in table and f"strongest attack at 0.1% FPR: {audit.result.strongest_attack}" \
        in table  # fmt: skip
    figure = audit.roc_figure(title="mine")
    axes = figure.axes[0]
    assert isinstance(figure, Figure) and axes.get_xscale() == axes.get_yscale() == "log"
    assert audit.result.training == {"engine": "external", "fallback_reason": None}
    assert np.isnan(audit.result.utility["test_accuracy"])  # no test outputs given
    assert not audit.result.utility_below_chance


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["attack.bootstrap=-1"], r"attack.bootstrap=-1: must be an integer in \[0, 100000\]"),
        (["attack.num_targets=9"], r"attack.num_targets=9: must lie in \[1, 8\]"),
        (["attack.bootstap=1"], r"attack overrides \['attack.bootstap=1'\]: .*bootstap"),
        (["attack.attacks.rmia.gamma=oops"], r"attack.attacks.rmia.gamma='oops': must be"),
    ],
)
def test_bad_attack_overrides_are_config_errors_naming_the_key(overrides, message):
    obs = synthetic_observations(num_models=8, num_samples=40, num_classes=3)
    with pytest.raises(ConfigError, match=message):
        api.audit(obs, overrides=overrides)


def test_make_plan_warns_of_copies_among_the_records_as_mia_train_does(caplog):
    # a copy on the other side of a model's membership reads as a member: the attacks then
    # understate the leak of your models, and mia-train says so; the API said nothing
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(200, 5)), rng.integers(0, 3, 200)
    with caplog.at_level("WARNING"):
        api.make_plan(x, y, num_models=4, population_size=100)
    assert "exact copy" not in caplog.text
    x[1] = x[0]
    with caplog.at_level("WARNING"):
        api.make_plan(x, y, num_models=4, population_size=100)
    assert "'your data': 2 of the 200 samples this run uses have an exact copy" in caplog.text
