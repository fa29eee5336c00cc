"""HParams through TensorBoard's own backend: one experiment config for a sweep (the union
of its runs' columns with their domains, the swept keys ticked, a short list of metrics),
each run a session with its metric values; and what a run logs besides (curves, one
summary table, figures) instead of a scalar card per final figure."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from omegaconf import OmegaConf

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.cli.sweep_checks import override_keys
from mia_defense.cli.sweep_end import SweepSummary
from mia_defense.errors import DataError
from mia_defense.tracking import write_json
from mia_defense.tracking.hparams import (
    Session,
    comparison_metrics,
    default_columns,
    metric_tags,
    session_hparams,
    sessions_under,
    write_experiment,
)
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.helpers import built_once
from tests.tracking.tb_api import TensorBoardAPI

K, N = 4, 60
FPRS = (0.1, 0.01, 0.001)
CONFIG = {"train.lr": 0.01, "train.epochs": 3, "model.hidden": "[16]", "seed": 0}
# What experiment.py hands log_run: the flat config plus the defense's own report.
DEFENSES = {
    "none": {"defense": "none", "release": "full"},
    "weight_decay": {"defense": "weight_decay", "release": "full",
                     "defense.weight_decay.coefficient": 0.005,
                     "weight_decay.coefficient": 0.005},
    "dp": {"defense": "dp", "release": "full", "defense.dp.target_epsilon": 4.0,
           "dp.target_epsilon": 4.0, "dp.noise_multiplier": "auto", "defense.dp.secure_mode": False,
           "dp.delta": None},
}  # fmt: skip
METRICS = [
    "utility/test_accuracy", "privacy/strongest_tpr@0.1%fpr", "privacy/strongest_tpr@1%fpr",
    "privacy/epsilon", "privacy/delta", "privacy/strongest_auc", "privacy/empirical_epsilon",
]  # fmt: skip
CURVES = ["accuracy/test", "accuracy/train", "loss/test", "loss/train"]


def _attacks(seed: int) -> tuple[dict, np.ndarray]:
    rng = np.random.default_rng(seed)
    masks = rng.random((K, N)) < 0.5
    config = EvaluationConfig(fprs=FPRS, bootstrap=0)
    results = {}
    for i, name in enumerate(("loss", "lira_online")):
        scores = rng.normal(size=(2, N)) + (i + 1) * masks[:2]
        results[name] = evaluate(name, scores, masks[:2], targets=np.arange(2), config=config)
    return results, masks


def _headline(seed: int, *, epsilon: float | None) -> dict[str, float]:
    """A results.json ``headline`` as experiment.py builds it (keys and intervals)."""
    rng = np.random.default_rng(seed)
    out = {"utility/test_accuracy": 0.5 + seed / 10, "utility/train_accuracy": 0.9,
           "utility/generalization_gap": 0.4 - seed / 10}  # fmt: skip
    for prefix in ("attack/loss/", "attack/lira_online/", "privacy/strongest_",
                   "privacy/strongest_white_box_"):  # fmt: skip
        for key in ("auc", "tpr@0.1%fpr", "tpr@1%fpr", "tpr@10%fpr"):
            value = float(rng.uniform(0.01, 0.9))
            out |= {f"{prefix}{key}": value, f"{prefix}{key}_ci_low": value / 2,
                    f"{prefix}{key}_ci_high": min(1.0, value * 2)}  # fmt: skip
        out |= {f"{prefix}advantage": 0.1, f"{prefix}empirical_epsilon": 0.3 + seed}
    if epsilon is not None:
        out |= {"privacy/epsilon": epsilon, "privacy/delta": 1e-3, "privacy/epsilon_valid": True}
    out["privacy/empirical_epsilon"] = 0.3 + seed
    return out


def _fake_run(
    run_dir: Path, defense: str, seed: int, *, epsilon: float | None = None, **settings: object
) -> dict:
    """A finished run's tb/ (written by log_run) and results.json; ``settings`` replace
    hyperparameters (``dp.target_epsilon``, say)."""
    attacks, masks = _attacks(seed)
    history = ModelHistory(
        epochs=[EpochRecord(e, 1.0 / (e + 1), 0.5, 1.2, 0.4) for e in range(3)],
        epoch_stats=[{"epsilon": e + 1.0} for e in range(3)] if epsilon else [],
    )
    headline = _headline(seed, epsilon=epsilon)
    hparams = {**CONFIG, **DEFENSES[defense]}
    hparams |= {k: settings[k.removeprefix("defense.")] for k in hparams
                if k.removeprefix("defense.") in settings}  # fmt: skip
    log_run(run_dir / "tb", histories=[history], attacks=attacks, scalars=headline,
            hparams=hparams, title=defense, masks=masks)  # fmt: skip
    flat = {k: v for k, v in hparams.items() if k in CONFIG or k.startswith("defense.")}
    report = {k: v for k, v in hparams.items() if k not in flat}
    write_json(run_dir / "results.json", {"status": "complete", "hparams": flat,
                                          "defense": report, "headline": headline})  # fmt: skip
    return headline


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """Three runs over defenses (none, weight_decay, dp at ε=4) and their sweep's one
    experiment config, as SweepSummary writes it at the end of a multirun (made once for
    the session; read only)."""

    def build(root: Path) -> tuple[Path, dict[str, dict]]:
        headlines = {
            "defense=[]": _fake_run(root / "defense=[]", "none", 0),
            "defense=[weight_decay]": _fake_run(root / "defense=[weight_decay]",
                                                "weight_decay", 1),
            "defense=[dp]": _fake_run(root / "defense=[dp]", "dp", 2, epsilon=4.0),
        }
        write_experiment(root, sessions_under(root), swept=["defense"])
        return root, headlines

    return built_once(tmp_path_factory, "hparams_sweep", build)


def test_one_experiment_config_gives_the_union_of_columns_and_the_short_metric_list(sweep):
    root, _ = sweep
    experiment = TensorBoardAPI(root).experiment()
    infos = {h["name"]: h for h in experiment["hparamInfos"]}
    # every run's columns, a defense's setting once (not also as defense.dp.target_epsilon)
    assert set(infos) == {*CONFIG, "defense", "release", "weight_decay.coefficient",
                          "dp.target_epsilon", "dp.noise_multiplier", "dp.secure_mode"}  # fmt: skip
    # the swept key alone is ticked (differs), constants and the defenses' settings are not
    assert [name for name, h in infos.items() if h["differs"]] == ["defense"]
    assert infos["defense"]["type"] == "DATA_TYPE_STRING"
    assert sorted(infos["defense"]["domainDiscrete"]) == ["dp", "none", "weight_decay"]
    assert infos["release"]["domainDiscrete"] == ["full"]
    assert infos["dp.target_epsilon"]["domainInterval"] == {"minValue": 4.0, "maxValue": 4.0}
    assert infos["train.epochs"]["type"] == "DATA_TYPE_FLOAT64"
    assert infos["dp.secure_mode"] == {**infos["dp.secure_mode"], "type": "DATA_TYPE_BOOL",
                                       "domainDiscrete": [False]}  # fmt: skip
    assert [m["name"]["tag"] for m in experiment["metricInfos"]] == METRICS
    assert experiment["metricInfos"][1]["displayName"] == "TPR at 0.1% FPR (strongest attack)"
    assert len(list(root.glob("events.out.tfevents.*"))) == 1  # only the sweep's config


def test_each_run_is_a_session_with_its_hparams_and_metric_values(sweep):
    root, headlines = sweep
    api = TensorBoardAPI(root)
    groups = api.session_groups(api.experiment())
    assert set(groups) == {f"{name}/tb" for name in headlines}
    for name, headline in headlines.items():
        group = groups[f"{name}/tb"]
        assert group["status"] == ["STATUS_SUCCESS"]
        expected = {tag: headline[tag] for tag in METRICS if tag in headline}
        assert group["metrics"] == pytest.approx(expected, rel=1e-6)
    assert "privacy/epsilon" not in groups["defense=[]/tb"]["metrics"]
    assert groups["defense=[dp]/tb"]["hparams"]["dp.target_epsilon"] == 4.0
    assert groups["defense=[dp]/tb"]["hparams"]["defense"] == "dp"
    assert "defense.dp.target_epsilon" not in groups["defense=[dp]/tb"]["hparams"]
    assert "dp.delta" not in groups["defense=[dp]/tb"]["hparams"]  # None: no value


def test_a_run_logs_curves_the_comparison_metrics_one_summary_and_three_figures(sweep):
    root, headlines = sweep
    api = TensorBoardAPI(root)
    run = "defense=[dp]/tb"
    assert api.tags("scalars")[run] == sorted([*CURVES, "defense/epsilon", *METRICS])
    no_dp = [m for m in METRICS if m not in ("privacy/epsilon", "privacy/delta")]
    assert api.tags("scalars")["defense=[]/tb"] == sorted([*CURVES, *no_dp])
    assert api.tags("text")[run] == ["summary/text_summary"]
    assert api.tags("images")[run] == ["roc", "scores"]
    assert run not in api.tags("histograms")
    text = api.get(f"/data/plugin/text/text?run={run}&tag=summary/text_summary")[0]["text"]
    assert "<td>privacy/epsilon</td>" in text and "<th>tpr@0.1%fpr</th>" in text
    low = headlines["defense=[dp]"]["attack/loss/auc_ci_low"]
    assert f"{low:.4g}" in text  # the interval is in the table


def test_writing_the_experiment_config_again_replaces_it(sweep, tmp_path):
    root, _ = sweep
    copy = tmp_path / "sweep"
    shutil.copytree(root, copy)
    _fake_run(copy / "defense.dp.target_epsilon=8", "dp", 3, epsilon=8.0,
              **{"dp.target_epsilon": 8.0})
    write_experiment(copy, sessions_under(copy), swept=["defense", "defense.dp.target_epsilon"])
    assert len(list(copy.glob("events.out.tfevents.*"))) == 1
    infos = {h["name"]: h for h in TensorBoardAPI(copy).experiment()["hparamInfos"]}
    assert infos["dp.target_epsilon"]["domainInterval"] == {"minValue": 4.0, "maxValue": 8.0}
    assert sorted(n for n, h in infos.items() if h["differs"]) == ["defense", "dp.target_epsilon"]


def test_an_unwritable_directory_is_one_data_error(tmp_path):
    target = tmp_path / "file"
    target.write_text("not a directory")
    session = Session("run", {"defense": "none"}, {"utility/test_accuracy": 0.5})
    with pytest.raises(DataError, match="cannot write the HParams experiment config"):
        write_experiment(target, [session], swept=[])
    assert target.read_text() == "not a directory"


def test_session_hparams_name_each_setting_once():
    # the defense's own report wins over the configured value, in either order
    configured, reported = {"defense.dp.delta": "auto"}, {"dp.delta": 1e-5}
    assert session_hparams({**configured, **reported}) == {"dp.delta": 1e-5}
    assert session_hparams({**reported, **configured}) == {"dp.delta": 1e-5}
    assert session_hparams({
        "defense.dp.target_epsilon": 8.0, "dp.target_epsilon": 8.0, "defense.dp.auto_fix": False,
        "train.epochs": 3, "dp.delta": None, "dp.noise_multiplier": float("inf"),
        "model.hidden": [128], "release": "full", "train.lr": np.float32(0.5),
    }) == {
        "dp.target_epsilon": 8.0, "dp.auto_fix": False, "train.epochs": 3.0,
        "dp.noise_multiplier": "inf", "model.hidden": "[128]", "release": "full",
        "train.lr": 0.5,
    }  # fmt: skip


def test_metrics_are_the_short_list_in_column_order():
    headline = _headline(0, epsilon=float("inf"))
    assert metric_tags(headline) == METRICS
    assert metric_tags({"privacy/strongest_tpr@5%fpr": 0.1, "privacy/strongest_tpr@2%fpr": 0.1,
                        "privacy/strongest_tpr@10%fpr": 0.1}) == [
        "privacy/strongest_tpr@2%fpr", "privacy/strongest_tpr@5%fpr"]  # fmt: skip
    values = comparison_metrics(headline)
    assert list(values) == [m for m in METRICS if m != "privacy/epsilon"]  # ε = ∞: no value
    assert values["privacy/strongest_auc"] == headline["privacy/strongest_auc"]


def test_default_columns_are_the_swept_keys():
    sessions = [
        Session("a", {"defense": "dp", "dp.target_epsilon": 1.0, "dp.max_grad_norm": 1.0}, {}),
        Session("b", {"defense": "dp", "dp.target_epsilon": 8.0, "dp.max_grad_norm": 1.0}, {}),
    ]
    assert default_columns(["defense"], sessions) == {"defense"}
    assert default_columns(["defense.dp"], sessions) == {"dp.target_epsilon"}  # what varies
    assert default_columns(["+defense.dp.max_grad_norm"], sessions) == {"dp.max_grad_norm"}
    assert default_columns(["dataset", "attack.fprs"], sessions) == set()
    assert default_columns(["defense.dp"], sessions[:1]) == {"dp.target_epsilon",
                                                             "dp.max_grad_norm"}  # fmt: skip


def test_swept_keys_come_from_the_sweeper_params_and_the_command_line():
    config = OmegaConf.create({"hydra": {
        "sweeper": {"params": {"release": "full,topk", "defense.dp": "{a:1},{a:2}"}},
        "overrides": {"task": ["plan.num_models=2", "defense=[],[weight_decay],[dp]",
                               "+experiment=tradeoff_dp", "train.lr=tag(log, interval(1e-4, 1))",
                               "seed=range(0,3)"]},
    }})  # fmt: skip
    assert override_keys(config) == ["release", "defense.dp", "defense", "train.lr", "seed"]
    assert override_keys(config, sweeps_only=False) == [
        "plan.num_models", "defense", "experiment", "train.lr", "seed"]  # fmt: skip


def test_a_single_run_gets_its_own_experiment_config(tmp_path):
    run_dir = tmp_path / "run"
    headline = _fake_run(run_dir, "dp", 0, epsilon=2.0)
    config = OmegaConf.create({"hydra": {"sweeper": {"params": None}, "overrides": {
        "task": ["defense=dp", "train.lr=0.01"]}}})  # fmt: skip
    job = SimpleNamespace(hydra_cfg=OmegaConf.create(
        {"hydra": {"runtime": {"output_dir": str(run_dir)}}}))  # fmt: skip
    SweepSummary().on_run_end(config, job_return=job)
    events = [p.name for p in (run_dir / "tb").glob("events.out.tfevents.*")]
    # beside the run's own; not by sorted name: the writer's counter in the name can pass 99 -> 100
    assert len(events) == 2 and sum(name.endswith(".experiment") for name in events) == 1
    api = TensorBoardAPI(run_dir)
    experiment = api.experiment()
    ticked = sorted(h["name"] for h in experiment["hparamInfos"] if h["differs"])
    assert ticked == ["defense", "release", "train.lr"]
    assert [m["name"]["tag"] for m in experiment["metricInfos"]] == METRICS
    group = api.session_groups(experiment)["tb"]
    assert group["metrics"]["privacy/epsilon"] == pytest.approx(2.0)
    accuracy = headline["utility/test_accuracy"]
    assert math.isclose(group["metrics"]["utility/test_accuracy"], accuracy, rel_tol=1e-6)


def test_without_figures_a_run_keeps_its_curves_scalars_and_summary(tmp_path):
    # figures=false (the config key): the three figures, most of a small run's TensorBoard
    # time, are left out and nothing else is
    _fake_run(tmp_path / "with", "none", 0)
    attacks, masks = _attacks(0)
    history = ModelHistory(epochs=[EpochRecord(e, 1.0 / (e + 1), 0.5, 1.2, 0.4) for e in range(3)])
    log_run(tmp_path / "without" / "tb", histories=[history], attacks=attacks,
            scalars=_headline(0, epsilon=None), hparams={**CONFIG, **DEFENSES["none"]},
            title="none", masks=masks, figures=False)  # fmt: skip
    api = TensorBoardAPI(tmp_path)
    assert api.tags("images")["with/tb"] == ["roc", "scores"]
    assert "without/tb" not in api.tags("images")
    for kind in ("scalars", "text"):
        assert api.tags(kind)["without/tb"] == api.tags(kind)["with/tb"]
