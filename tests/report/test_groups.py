"""Issue 18 points 4-6: every figure with its 95% interval (table and error bars), runs that
differ only in their seed as one row (mean, spread, n), --group-by, one Pareto front per
(dataset, model)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from mia_defense.cli.report import main as report_main
from mia_defense.errors import ConfigError
from mia_defense.report import build as build_module
from mia_defense.report import pareto_front, parse_group_by, write_report
from mia_defense.report.stats import Estimate, estimate, t_interval
from tests.report.fake_runs import make_run


def _t3_cdf(t: float) -> float:
    """Student's t CDF at 3 degrees of freedom, in closed form."""
    u = t / math.sqrt(3)
    return 0.5 + (u / (1 + u * u) + math.atan(u)) / math.pi


def _t3_quantile(p: float) -> float:
    low, high = 0.0, 50.0
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if _t3_cdf(mid) < p else (low, mid)
    return (low + high) / 2


# Student's t 0.975 quantiles for 1, 2 and 3 degrees of freedom, from closed forms (not scipy).
T975 = {
    1: math.tan(math.pi * 0.475),
    2: 0.95 / math.sqrt(2 * 0.975 * 0.025),
    3: _t3_quantile(0.975),
}


def read_csv(path: Path, key: str = "run") -> dict[str, dict[str, str]]:
    with path.open() as handle:
        return {row[key]: row for row in csv.DictReader(handle)}


def capture_figures(monkeypatch: pytest.MonkeyPatch) -> dict[str, Figure]:
    """The figures write_report saves, by file stem."""
    figures: dict[str, Figure] = {}
    save = build_module.save_figure

    def keep(fig: Figure, path: Path) -> bytes:
        figures[path.stem] = fig
        return save(fig, path)

    monkeypatch.setattr(build_module, "save_figure", keep)
    return figures


def errorbars(ax: Any) -> dict[str, ErrorbarContainer]:
    return {c.get_label(): c for c in ax.containers if isinstance(c, ErrorbarContainer)}


def t_bounds(values: list[float]) -> tuple[float, float, float, float]:
    """Mean, sample std and the 95% t interval of ``values``, computed here by hand."""
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = T975[n - 1] * std / math.sqrt(n)
    return mean, std, max(mean - half, 0.0), min(mean + half, 1.0)


def strongest(payload: dict[str, Any], metric: str) -> tuple[float, float, float]:
    """The largest ``metric`` over the attacks and that attack's interval."""
    best = max(payload["attacks"].values(), key=lambda m: m[metric])
    return best[metric], best[f"{metric}_ci_low"], best[f"{metric}_ci_high"]


@pytest.fixture
def seeds_sweep(tmp_path: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    """Three seeds of the undefended run, and one run that differs in train.lr."""
    root = tmp_path / "sweep"
    runs = {
        f"seed={s}": make_run(root / f"seed={s}", test_accuracy=acc, signal=3.0, seed=s)
        for s, acc in ((0, 0.90), (1, 0.92), (2, 0.97))
    }
    runs["seed=0,train.lr=0.1"] = make_run(
        root / "seed=0,train.lr=0.1", test_accuracy=0.5, signal=0.5, seed=0
    )
    return root, runs


def test_a_single_run_row_carries_the_intervals_results_json_holds(tmp_path):
    payload = make_run(tmp_path / "sweep" / "x=1", test_accuracy=0.8, signal=2.0, seed=4)
    make_run(tmp_path / "sweep" / "x=2", test_accuracy=0.7, signal=1.0, seed=5,
             test_accuracy_std=None)  # fmt: skip
    write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    rows = read_csv(tmp_path / "out" / "tradeoff.csv")
    row = rows["x=1"]
    # test accuracy: Student's t over the K=4 models, from the population std results.json holds
    half = T975[3] * (0.02 * math.sqrt(4 / 3)) / math.sqrt(4)
    assert float(row["test_accuracy_ci_low"]) == pytest.approx(0.8 - half, abs=1e-12)
    assert float(row["test_accuracy_ci_high"]) == pytest.approx(0.8 + half, abs=1e-12)
    for column, metric in (("max_tpr@0.1%fpr", "tpr@0.1%fpr"), ("max_auc", "auc")):
        value, low, high = strongest(payload, metric)
        assert (float(row[column]), float(row[f"{column}_ci_low"]),
                float(row[f"{column}_ci_high"])) == (value, low, high)  # fmt: skip
        assert row[f"{column}_std"] == row[f"{column}_min"] == ""  # no spread for one run
    for attack, metrics in payload["attacks"].items():
        assert float(row[f"{attack}.tpr@1%fpr_ci_high"]) == metrics["tpr@1%fpr_ci_high"]
    # an older results.json without the models' std: no interval, the value kept
    assert rows["x=2"]["test_accuracy"] == "0.7" and rows["x=2"]["test_accuracy_ci_low"] == ""


def test_runs_differing_only_in_seed_are_one_row_with_mean_spread_and_n(seeds_sweep, tmp_path):
    root, runs = seeds_sweep
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert len(report.summaries) == 4 and len(report.groups) == 2
    rows = read_csv(tmp_path / "out" / "tradeoff.csv")
    # the seed items leave the row's name; the lr run keeps its own row
    assert set(rows) == {"no defense", "train.lr=0.1"}  # named by family when only seeds differ
    seeded = [runs[f"seed={s}"] for s in (0, 1, 2)]
    row = rows["no defense"]
    assert row["seeds"] == "0, 1, 2" and row["runs"] == "seed=0; seed=1; seed=2"
    mean, std, low, high = t_bounds([p["utility"]["test_accuracy"] for p in seeded])
    assert float(row["test_accuracy"]) == pytest.approx(mean, abs=1e-12)
    assert float(row["test_accuracy_std"]) == pytest.approx(std, abs=1e-12)
    assert (float(row["test_accuracy_min"]), float(row["test_accuracy_max"])) == (0.90, 0.97)
    # the interval to 1e-10: scipy < 1.17's stdtrit is off from the exact t quantile in its
    # 11th digit (4.302652729696 for 4.302652729749 at df=2); 1.17's is exact to the last
    assert float(row["test_accuracy_ci_low"]) == pytest.approx(low, abs=1e-10)
    assert float(row["test_accuracy_ci_high"]) == pytest.approx(high, abs=1e-10)
    # leakage: the mean of each run's strongest attack, t interval over the three
    mean, std, low, high = t_bounds([strongest(p, "tpr@0.1%fpr")[0] for p in seeded])
    assert float(row["max_tpr@0.1%fpr"]) == pytest.approx(mean, abs=1e-12)
    assert float(row["max_tpr@0.1%fpr_std"]) == pytest.approx(std, abs=1e-12)
    assert float(row["max_tpr@0.1%fpr_ci_low"]) == pytest.approx(low, abs=1e-10)
    assert float(row["max_tpr@0.1%fpr_ci_high"]) == pytest.approx(high, abs=1e-10)
    mean, _, low, high = t_bounds([p["attacks"]["lira"]["auc"] for p in seeded])
    assert float(row["lira.auc"]) == pytest.approx(mean, abs=1e-12)
    assert float(row["lira.auc_ci_high"]) == pytest.approx(high, abs=1e-12)
    lone = rows["train.lr=0.1"]
    # (its config's train.lr, the one setting that tells the rows apart: read from the
    # config, as a real run's hparams would say it)
    assert lone["runs"] == "seed=0,train.lr=0.1" and lone["hyperparameters"] == "train.lr=0.1"
    # every run keeps its own line in runs.csv
    assert set(read_csv(tmp_path / "out" / "runs.csv", key="runs")) == set(runs)
    markdown = (tmp_path / "out" / "tradeoff.md").read_text()
    acc = [p["utility"]["test_accuracy"] for p in seeded]
    assert f"±{np.std(acc, ddof=1):.3f} (0.900–0.970)" in markdown
    assert "Rows: runs that differ only in their seeds" in markdown


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_the_chart_draws_each_rows_95_percent_intervals_as_error_bars(
    seeds_sweep, tmp_path, monkeypatch
):
    root, runs = seeds_sweep
    figures = capture_figures(monkeypatch)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False)
    for stem, figure in (("tradeoff_tpr", "max_tpr@0.1%fpr"), ("tradeoff_auc", "max_auc")):
        (ax,) = [a for a in figures[stem].axes if a.get_title()]
        bars = errorbars(ax)["no defense"]
        assert bars.has_xerr and bars.has_yerr
        data, _, (xbars, ybars) = bars.lines
        points = {tuple(p) for p in data.get_xydata()}
        assert len(points) == len(report.groups) == 2
        for g, xseg, yseg in zip(
            report.groups, xbars.get_segments(), ybars.get_segments(), strict=True
        ):
            x, y = g.metrics[figure], g.test_accuracy
            assert (x.value, y.value) in points
            np.testing.assert_allclose(xseg, [[x.low, y.value], [x.high, y.value]])
            np.testing.assert_allclose(yseg, [[x.value, y.low], [x.value, y.high]])
        assert [t.get_text() for t in ax.texts if t.get_text().startswith("n=")] == ["n=3"]
        # the three-seed row's bars are its t interval over the seeds, not a run's own
        three = next(g for g in report.groups if g.n == 3)
        _, _, low, high = t_bounds([runs[f"seed={s}"]["utility"]["test_accuracy"]
                                    for s in (0, 1, 2)])  # fmt: skip
        assert [low, high] == pytest.approx([three.test_accuracy.low, three.test_accuracy.high])


@pytest.fixture
def dp_sweep(tmp_path: Path) -> Path:
    """DP at ε = 1 and 8, each at two learning rates, plus an undefended run."""
    root = tmp_path / "dp"
    for i, (eps, lr) in enumerate([(1, 0.1), (1, 0.01), (8, 0.1), (8, 0.01)]):
        name = f"defense.dp.target_epsilon={eps},train.lr={lr}"
        make_run(root / name, test_accuracy=0.6 + 0.02 * eps + lr, signal=0.1 * eps, seed=i,
                 defense="dp", defense_hparams={"dp.target_epsilon": float(eps)},
                 epsilon=float(eps))  # fmt: skip
    make_run(root / "none", test_accuracy=0.95, signal=3.0, seed=9)
    return root


def test_group_by_averages_the_runs_that_share_the_keys_and_says_so(dp_sweep, tmp_path, capsys):
    out = tmp_path / "out"
    key = "defense.dp.target_epsilon"
    assert report_main([str(dp_sweep), "--no-tensorboard", "--group-by", key, "-o", str(out),
                        "--no-charts"]) == 0
    printed = capsys.readouterr().out
    rule = f"Rows: runs that share dataset, model and {key} share a row, whatever else"
    assert "5 runs reported" in printed and "3 rows. " + rule in printed
    assert rule in (out / "README.md").read_text() and rule in (out / "tradeoff.md").read_text()
    rows = read_csv(out / "tradeoff.csv")
    assert {name: row["n"] for name, row in rows.items()} == {
        f"{key}=1": "2", f"{key}=8": "2", f"{key}=(not set)": "1"}  # fmt: skip
    eps1 = rows[f"{key}=1"]
    assert eps1["runs"] == f"{key}=1,train.lr=0.01; {key}=1,train.lr=0.1"
    assert float(eps1["test_accuracy"]) == pytest.approx((0.63 + 0.72) / 2)
    assert eps1["epsilon"] == "1.0" and eps1["hyperparameters"] == "dp.target_epsilon=1"
    # two keys: every (ε, lr) is a row of its own
    assert report_main([str(dp_sweep), "--no-tensorboard", "-o", str(tmp_path / "two"),
                        "--group-by", f"{key},train.lr", "--no-charts"]) == 0  # fmt: skip
    assert {r["n"] for r in read_csv(tmp_path / "two" / "tradeoff.csv").values()} == {"1"}
    assert len(read_csv(tmp_path / "two" / "tradeoff.csv")) == 5
    # a whole subtree (defense.dp) is a key too
    report = write_report([dp_sweep], out_dir=tmp_path / "sub", tensorboard=False,
                          group_by=["defense.dp"], charts=False)  # fmt: skip
    assert sorted(g.n for g in report.groups) == [1, 2, 2]


def test_an_unknown_group_by_key_is_a_one_line_error_and_writes_nothing(dp_sweep, tmp_path, capsys):
    with pytest.raises(ConfigError, match=(
        r"--group-by: no run's config has the key 'train.lrr'; did you mean train\.lr\b.*"
        r"use dotted keys of results.json's config \(varying in these runs: .*train\.lr"
    )):  # fmt: skip
        write_report([dp_sweep], out_dir=tmp_path / "out", group_by=["train.lrr"], charts=False)
    assert not (tmp_path / "out").exists()
    assert report_main([str(dp_sweep), "--group-by", "seed,nope", "-o", str(tmp_path / "o"),
                        "--no-charts"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mia-report: --group-by: no run's config has the key 'nope'")
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "o").exists()
    with pytest.raises(ConfigError, match=r"--group-by 'a,,b': an empty key"):
        parse_group_by("a,,b")
    with pytest.raises(ConfigError, match=r"'run' \(one row per run\) cannot be combined"):
        parse_group_by("run,seed")
    assert parse_group_by(" train.lr , seed") == ("train.lr", "seed")


def _leak_nothing(run_dir: Path) -> None:
    """Rewrite a run's results.json as if every attack failed (TPR 0 at every FPR), without
    the scores.npz that its figures no longer match (the report skips a run whose scores give
    other TPRs than it records: e4ca7bd5)."""
    (run_dir / "scores.npz").unlink()
    path = run_dir / "results.json"
    payload = json.loads(path.read_text())
    for metrics in payload["attacks"].values():
        for key in list(metrics):
            if key.startswith("tpr@"):
                metrics[key] = 0.0
    path.write_text(json.dumps(payload))


@pytest.mark.slow  # a whole sweep or several runs (2-4 s): make test-slow
def test_runs_of_different_datasets_or_models_never_share_a_front(tmp_path, monkeypatch):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.90, signal=3.0, seed=1)
    make_run(root / "b", test_accuracy=0.80, signal=0.2, seed=1, defense="dp",
             defense_hparams={"dp.target_epsilon": 1.0}, epsilon=1.0)  # fmt: skip
    make_run(root / "c", test_accuracy=0.99, signal=0.0, seed=1, dataset="purchase")
    make_run(root / "d", test_accuracy=0.97, signal=0.0, seed=1, model="CNN")
    for name in ("c", "d"):
        _leak_nothing(root / name)
    figures = capture_figures(monkeypatch)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False)
    assert [g.pair for g in report.groups] == [
        ("digits", "MLP"), ("digits", "MLP"), ("purchase", "MLP"), ("digits", "CNN")]  # fmt: skip
    # mixed, c (purchase) would dominate every digits run; per pair, a and b are the front
    mixed = pareto_front([g.test_accuracy.value for g in report.groups],
                         [g.leak_tpr.value for g in report.groups])  # fmt: skip
    assert [report.groups[i].name for i in mixed] == ["c"]
    fronts = {pair: [report.groups[i].name for i in f] for pair, f in report.fronts.items()}
    assert fronts == {("digits", "MLP"): ["b", "a"], ("purchase", "MLP"): ["c"],
                      ("digits", "CNN"): ["d"]}  # fmt: skip
    rows = read_csv(tmp_path / "out" / "tradeoff.csv")
    assert [(rows[n]["dataset"], rows[n]["model"], rows[n]["pareto"]) for n in "abcd"] == [
        ("digits", "MLP", "yes"), ("digits", "MLP", "yes"), ("purchase", "MLP", "yes"),
        ("digits", "CNN", "yes")]  # fmt: skip
    summary = (tmp_path / "out" / "README.md").read_text()
    for title in ("### digits · MLP", "### digits · CNN", "### purchase · MLP"):
        assert title in summary
    # one panel per pair, each drawing only its own rows and its own front
    panels = {ax.get_title(): ax for ax in figures["tradeoff_tpr"].axes if ax.get_title()}
    assert set(panels) == {"digits · MLP", "digits · CNN", "purchase · MLP"}
    for pair, front in report.fronts.items():
        ax = panels[" · ".join(pair)]
        drawn = {tuple(p) for c in errorbars(ax).values() for p in c.lines[0].get_xydata()}
        own = {(g.leak_tpr.value, g.test_accuracy.value) for g in report.groups if g.pair == pair}
        assert drawn == own
        (stairs,) = [ln for ln in ax.lines if ln.get_label().startswith("Pareto front")]
        assert set(stairs.get_xdata()) == {report.groups[i].leak_tpr.value for i in front}


def test_estimates_leave_out_missing_values_and_clip_t_intervals_to_rates():
    one = estimate([0.3, math.nan], [(0.1, 0.5), (0.0, 1.0)])
    assert one == Estimate(0.3, 0.1, 0.5, n=1)  # one run: its own interval, no spread
    assert math.isnan(estimate([math.nan], [(0.0, 1.0)]).value)
    low, high = t_interval(0.5, 0.1, 2)
    assert (low, high) == pytest.approx((0.5 - T975[1] * 0.1 / math.sqrt(2),
                                         0.5 + T975[1] * 0.1 / math.sqrt(2)))  # fmt: skip
    clipped = estimate([0.0, 0.02], [(0.0, 0.1)] * 2, bounds=(0.0, 1.0))
    assert clipped.low == 0.0 and clipped.high == pytest.approx(0.01 + T975[1] * 0.01)
    assert (clipped.minimum, clipped.maximum, clipped.n) == (0.0, 0.02, 2)
    assert all(math.isnan(v) for v in t_interval(0.5, 0.1, 1))


def test_runs_without_a_config_are_never_merged(tmp_path):
    for name in ("a", "b"):
        make_run(tmp_path / "sweep" / name, test_accuracy=0.8, signal=1.0)
        path = tmp_path / "sweep" / name / "results.json"
        payload = json.loads(path.read_text())
        del payload["config"]  # an older results.json: nothing says the runs are alike
        path.write_text(json.dumps(payload))
    report = write_report([tmp_path / "sweep"], out_dir=tmp_path / "out",
                          tensorboard=False, charts=False)
    assert [g.n for g in report.groups] == [1, 1]
    with pytest.raises(ConfigError, match=r"key 'seed'.*\(these runs record no config\)"):
        write_report([tmp_path / "sweep"], out_dir=tmp_path / "o2", group_by=["seed"], charts=False)
