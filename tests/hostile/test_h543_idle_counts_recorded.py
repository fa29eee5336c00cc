"""results.json's training.defenses_idle recorded a defense's count of the models it did not
act in only in its reason's words ('2 of the 4 model(s)'), which mia-report parsed: a
defense of one's own that counted in other words was marked idle in every model. mia-train
now records the count as fields of the entry (``idle_models`` of ``models``), which the
report reads (a run written before them still by the words); fields edited to what mia-train
never writes (negative, true, 2.0, 5 of 4, one without the other, another count than the
reason's or the run's) skip the run, naming the field, as other edited fields do."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from mia_defense.defenses import RoundingRelease
from mia_defense.defenses.base import TrainingDefense
from mia_defense.defenses.regularization import ACTED, Dropout, EarlyStopping
from mia_defense.defenses.relaxloss import LOWEST_LOSS, RelaxLoss
from mia_defense.defenses.release import release_idle
from mia_defense.errors import ConfigError
from mia_defense.pipeline import train
from mia_defense.report.checks.notes import idle_counts, idle_defenses_problem
from mia_defense.report.runs import load_runs
from mia_defense.report.table import summarise
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import RESULTS
from tests.report.fake_runs import make_run, rewrite_results


class Counted(TrainingDefense):
    """A defense of one's own that says it did not act in its own words, and counts."""

    name = "counted"

    def __init__(self, count: object) -> None:
        self.count = count

    def idle_reason(self, stats, *, epochs):
        return "half the models never reached the threshold"

    def idle_models(self, stats):
        return self.count


def _idle(defense: TrainingDefense, stats: list[dict[str, float]]) -> list[dict]:
    experiment = SimpleNamespace(build_defenses=lambda: [defense],
                                 train=SimpleNamespace(epochs=3))  # fmt: skip
    ensemble = SimpleNamespace(histories=[SimpleNamespace(stats=s) for s in stats])
    return train.idle_defenses(experiment, ensemble)


@pytest.mark.parametrize(("defense", "stats", "count"), [
    (RelaxLoss(alpha=0.5), [{LOWEST_LOSS: v} for v in (0.3, 0.4, 0.55, 0.76)], 2),
    (RelaxLoss(alpha=0.5), [{LOWEST_LOSS: v} for v in (0.6, 0.7, 0.55, 0.76)], 4),
    (EarlyStopping(), [{ACTED: v} for v in (1.0, 0.0, 0.0)], 2),
    (Dropout(p=0.0), [{}, {}, {}, {}], 4),
    (Counted(1), [{}, {}], 1),
])  # fmt: skip
def test_mia_train_records_the_count_as_fields(defense, stats, count):
    (entry,) = _idle(defense, stats)
    assert entry["idle_models"] == count and entry["models"] == len(stats)
    assert type(entry["idle_models"]) is int and type(entry["models"]) is int


def test_a_release_counts_every_model():
    (entry,) = release_idle(RoundingRelease(decimals=20), num_classes=10, models=4)
    assert (entry["idle_models"], entry["models"]) == (4, 4)


@pytest.mark.parametrize("count", [0, 3, -1, True, 2.0, "1"])
def test_a_count_of_ones_own_out_of_range_is_refused_naming_the_defense(count):
    with pytest.raises(ConfigError, match=r"^defense Counted: its idle_models must give a "
                                          r"whole number from 1 to 2 "):  # fmt: skip
        _idle(Counted(count), [{}, {}])


def test_the_end_of_run_log_line_says_in_how_many(caplog):
    stats = [{LOWEST_LOSS: v} for v in (0.3, 0.4, 0.55, 0.76)]
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        _idle(RelaxLoss(alpha=0.5), stats)
    (said,) = [m for m in caplog.messages if "DEFENSE DID NOT ACT" in m]
    assert said.startswith("DEFENSE DID NOT ACT in 2 of 4 models: defense.relaxloss.alpha=0.5")


def _run(tmp_path, defense="counted", **entry):
    run_dir = tmp_path / "runs" / "own"
    make_run(run_dir, test_accuracy=0.85, signal=0.1, defense=defense)
    rewrite_results(run_dir, lambda p: p.setdefault("training", {}).update(
        defenses_idle=[{"defense": defense, **entry}]))
    return run_dir


def test_the_report_reads_the_fields_not_the_words(tmp_path):
    run_dir = _run(tmp_path, reason="half the models never reached it", idle_models=2, models=4)
    payload = read_json(run_dir / RESULTS)
    assert idle_defenses_problem(payload) is None
    assert idle_counts(payload) == ((2, 4),)
    (run,) = load_runs([tmp_path / "runs"]).runs
    (summary,) = summarise([run])
    assert summary.idle_models == ((2, 4),)


@pytest.mark.parametrize(("reason", "counted"), [
    ("defense.relaxloss: ... in the training of 2 of the 4 model(s) ...", (2, 4)),
    ("defense.relaxloss: ... in the training of 4 of the 4 model(s) ...", (4, 4)),
    ("never stopped", (4, 4)),
])  # fmt: skip
def test_a_run_written_before_the_fields_reads_as_before(tmp_path, reason, counted):
    # (a built-in's run: the words are read only where mia-defense may have written them)
    payload = read_json(_run(tmp_path, defense="relaxloss", reason=reason) / RESULTS)
    assert idle_defenses_problem(payload) is None
    assert idle_counts(payload) == (counted,)


@pytest.mark.parametrize(("fields", "says"), [
    ({"idle_models": -1, "models": 4}, "counts idle_models=-1 of models=4, not whole numbers"),
    ({"idle_models": 0, "models": 4}, "counts idle_models=0 of models=4, not whole numbers"),
    ({"idle_models": True, "models": 4}, "counts idle_models=True of models=4, not whole"),
    ({"idle_models": 2.0, "models": 4}, "counts idle_models=2.0 of models=4, not whole"),
    ({"idle_models": "2", "models": 4}, "counts idle_models='2' of models=4, not whole"),
    ({"idle_models": 5, "models": 4}, "counts idle_models=5 of models=4, not whole numbers"),
    ({"idle_models": 2}, "counts idle_models=2 of models=None, not whole numbers"),
    ({"models": 4}, "counts idle_models=None of models=4, not whole numbers"),
    ({"idle_models": None, "models": None}, "counts idle_models=None of models=None"),
    ({"idle_models": 2, "models": 8}, "counts models=8, but the run trained num_models=4"),
    # (a count other than the reason's words: of a built-in only, test_h552_idle_words_own_defense)
])  # fmt: skip
def test_edited_fields_skip_the_run_naming_them(tmp_path, fields, says):
    entry = {"reason": "half the models never reached it"} | fields
    run_dir = _run(tmp_path, **entry)
    loaded = load_runs([tmp_path / "runs"])
    assert not loaded.runs
    ((where, reason),) = loaded.skipped
    assert where == run_dir
    assert reason.startswith("training.defenses_idle's entry for 'counted' " + says)
    assert reason.endswith("the file was edited; rerun the run")
    idle_counts(read_json(run_dir / RESULTS))  # (read anyway: no crash)


@pytest.mark.slow
def test_a_run_records_counts_the_report_accepts(tmp_path):
    from mia_defense.cli.train import run
    from mia_defense.report.checks import payload_problem
    from tests.conftest import compose_cfg

    # (as test_h394's: no model stops in 3 epochs at a small lr)
    run(compose_cfg("defense=early_stopping", "plan.reference_size=300", "train.lr=0.001",
                    "train.chunk_size=2", "attack.bootstrap=0"), tmp_path)  # fmt: skip
    payload = read_json(tmp_path / RESULTS)
    (entry,) = payload["training"]["defenses_idle"]
    assert (entry["idle_models"], entry["models"]) == (4, 4) == (4, payload["num_models"])
    assert payload_problem(payload) is None
