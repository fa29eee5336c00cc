"""``attack.queries.repeats`` splits runs into fronts only where it shaped their figures: a
randomized release's (release=noise, or one that records ``privacy.randomized_release_repeats``).
A deterministic release is asked once whatever the count, yet release=full runs at 1 and 16
repeats were two fronts, ``MLP [attack.queries.repeats=1]`` and ``[...=16]``, never compared."""

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


def _fronts(root, out):
    return set(write_report([root], out_dir=out, tensorboard=False, charts=False).fronts)


def test_deterministic_releases_at_other_repeats_share_a_front(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "once", test_accuracy=0.9, signal=3.0,
             config={"attack.queries.repeats": 1})  # fmt: skip
    make_run(root / "sixteen", test_accuracy=0.8, signal=1.0, seed=1, defense="dp",
             epsilon=1.0, config={"attack.queries.repeats": 16})  # fmt: skip
    make_run(root / "topk", test_accuracy=0.85, signal=2.0, seed=2, release="topk",
             config={"attack.queries.repeats": 4})  # fmt: skip
    assert _fronts(root, tmp_path / "out") == {("digits", "MLP")}


def test_randomized_releases_at_other_repeats_stay_apart(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "once", test_accuracy=0.9, signal=3.0, release="noise",
             config={"attack.queries.repeats": 1})  # fmt: skip
    make_run(root / "sixteen", test_accuracy=0.8, signal=1.0, seed=1, release="noise",
             config={"attack.queries.repeats": 16})  # fmt: skip
    assert _fronts(root, tmp_path / "out") == {
        ("digits", "MLP [attack.queries.repeats=1]"), ("digits", "MLP [attack.queries.repeats=16]")
    }


def test_a_release_that_records_its_repeats_is_randomized_and_a_full_one_joins_its_count(
    tmp_path,
):
    root = tmp_path / "sweep"
    for name, repeats, seed in (("mine_once", 1, 0), ("mine_many", 16, 1)):
        make_run(root / name, test_accuracy=0.9, signal=2.0, seed=seed,
                 config={"attack.queries.repeats": repeats,
                         "release._target_": "mypkg.JitterRelease"})  # fmt: skip

        def mine(payload, repeats=repeats):
            payload["defense"]["release"] = "jitter"
            payload["privacy"]["randomized_release_repeats"] = repeats

        rewrite_results(root / name, mine)
    make_run(root / "full", test_accuracy=0.8, signal=0.5, seed=2,
             config={"attack.queries.repeats": 16})  # fmt: skip
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert set(report.fronts) == {
        ("digits", "MLP [attack.queries.repeats=1]"), ("digits", "MLP [attack.queries.repeats=16]")
    }
    joined = report.fronts[("digits", "MLP [attack.queries.repeats=16]")]
    assert len(joined) == 2, joined
