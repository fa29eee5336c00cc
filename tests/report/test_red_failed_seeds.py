"""A config whose other seeds were not ranked (at chance, diverged) is no longer averaged
from its surviving seed without a word: its row was on the front as accurate as a config
that never fails, the failures listed only apart."""

from mia_defense.report import write_report
from tests.report.fake_runs import make_diverged_run, make_run, rewrite_results


def test_a_row_of_the_seeds_that_survived_is_marked_read_with_care(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "x=a,seed=0", test_accuracy=0.9, signal=3.0, chance_accuracy=0.5)
    for seed in (1, 2):  # the same config: its models learned nothing
        make_run(root / f"x=a,seed={seed}", test_accuracy=0.4, signal=3.0, seed=seed,
                 chance_accuracy=0.5)  # fmt: skip
    make_run(root / "x=b,seed=0", test_accuracy=0.85, signal=3.0, chance_accuracy=0.5)
    make_run(root / "x=b,seed=1", test_accuracy=0.86, signal=3.0, seed=1, chance_accuracy=0.5)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    notes = dict(report.caveats)
    assert set(notes) == {"x=a,seed=0"}  # x=b's seeds all ranked: no caveat
    assert notes["x=a,seed=0"].startswith(
        "2 other seeds of its config were not ranked (first: test accuracy 0.400 is not above"
    )
    rows = {g.name: i for i, g in enumerate(report.groups)}
    assert rows["x=a"] in {i for f in report.fronts.values() for i in f}
    assert "(read with care)" in (tmp_path / "out" / "README.md").read_text()


def test_a_diverged_seed_is_named_and_a_failed_copy_of_a_ranked_run_is_not(tmp_path):
    root = tmp_path / "sweep"
    good = make_run(root / "good", test_accuracy=0.9, signal=3.0)
    make_diverged_run(root / "bad", reason="loss is NaN at epoch 2")
    # the same config as "good" but another seed
    rewrite_results(root / "bad", lambda p: p.update(config={**good["config"], "seed": 7}))
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert dict(report.caveats)["good"].startswith(
        "another seed of its config was not ranked (first: training diverged: loss is NaN"
    )
    # the same config and seed failed in another folder: no seed lost
    rewrite_results(root / "bad", lambda p: p.update(config=good["config"]))
    report = write_report([root], out_dir=tmp_path / "out2", tensorboard=False, charts=False)
    assert report.caveats == []
