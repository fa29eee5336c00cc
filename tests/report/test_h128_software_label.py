"""A run of a config whose runs of one seed were told apart by their software (a seed rerun
after an upgrade: seed 0 on two versions) was labelled ``software=unknown`` when it was the
only run of its own seed, though its results.json records its versions, and sat in a row
and front of its own. It is now labelled, and grouped, by the versions it records; a run
that records none is still ``unknown``."""

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


def _run(root, name, *, seed, code, accuracy, config=None):
    make_run(root / name, test_accuracy=accuracy, signal=1.0, seed=seed, config=config)
    versions = None if code is None else {"torch": "2.1", "code": code}
    rewrite_results(root / name, lambda p: p.update(versions=versions))


def _report(tmp_path):
    return write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", tensorboard=False,
                        charts=False)  # fmt: skip


def _labels(report) -> dict[str, str]:
    return {s.name: s.evaluation for s in report.summaries}


def test_a_lone_seed_is_labelled_and_grouped_by_the_versions_it_records(tmp_path):
    root = tmp_path / "sweep"
    _run(root, "a", seed=0, code="old", accuracy=0.9)
    _run(root, "b", seed=0, code="new", accuracy=0.7)
    _run(root, "c", seed=1, code="old", accuracy=0.8)
    report = _report(tmp_path)
    labels = _labels(report)
    assert labels["c"] == labels["a"] != "software=unknown"
    assert labels["a"].startswith("software=")
    assert labels["b"] != labels["a"]
    # c is a seed replicate of a (one config, one software): one row of n=2, b its own
    rows = sorted((g.n, round(g.test_accuracy.value, 2)) for g in report.groups)
    assert rows == [(1, 0.7), (2, 0.85)]


def test_a_lone_seed_of_other_versions_is_labelled_with_its_own(tmp_path):
    root = tmp_path / "sweep"
    _run(root, "a", seed=0, code="old", accuracy=0.9)
    _run(root, "b", seed=0, code="new", accuracy=0.7)
    _run(root, "c", seed=1, code="newer", accuracy=0.8)
    labels = _labels(_report(tmp_path))
    assert labels["c"].startswith("software=") and labels["c"] != "software=unknown"
    assert len(set(labels.values())) == 3


def test_another_config_beside_them_is_labelled_with_its_versions(tmp_path):
    root = tmp_path / "sweep"
    _run(root, "a", seed=0, code="old", accuracy=0.9)
    _run(root, "b", seed=0, code="new", accuracy=0.7)
    _run(root, "d", seed=0, code="new", accuracy=0.8, config={"train.epochs": 7})
    labels = _labels(_report(tmp_path))
    assert labels["d"] == labels["b"] != labels["a"]
    assert "unknown" not in labels["d"]


def test_a_run_that_records_no_versions_stays_unknown(tmp_path):
    root = tmp_path / "sweep"
    _run(root, "a", seed=0, code="old", accuracy=0.9)
    _run(root, "b", seed=0, code="new", accuracy=0.7)
    _run(root, "c", seed=1, code=None, accuracy=0.8)
    assert _labels(_report(tmp_path))["c"] == "software=unknown"
