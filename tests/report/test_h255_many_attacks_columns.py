"""A results.json of thousands of attacks (within the size cap of any run's file, a tool of
your own writing every attack it tried) took mia-report quadratic time: each attack's
figure was looked up in a list of those seen (groups._attack_figures), 11 s for 5,000
attacks, over ten minutes for 20,000 (a 13 MB file). The lookup is a dict's now: 1 s.
Speed is not timed here (tests check correctness): this checks the dict keeps the columns
in first-seen order, each figure once."""

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


def test_a_run_of_hundreds_of_attacks_keeps_each_figure_once_in_order(tmp_path):
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.8, signal=2.0)
    rewrite_results(run, lambda p: p["attacks"].update(
        {f"a{i}": dict(p["attacks"]["loss"]) for i in range(600)}))
    report = write_report([run], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    (summary,) = report.summaries
    assert len(summary.attacks) == 602
    header = (tmp_path / "out" / "tradeoff.csv").read_text().splitlines()[0].split(",")
    # the columns in the order the attacks are first seen, each figure once
    assert header.index("loss.auc") < header.index("a0.auc") < header.index("a599.auc")
    assert len(header) == len(set(header))
