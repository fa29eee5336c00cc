"""mia-report cross-checked the count of an entry of results.json's training.defenses_idle
(``idle_models`` of ``models``, which mia-train writes from the defense's `idle_models`)
against the count its reason's words name ("2 of the 4 model(s)"), for every defense: a
defense of one's own whose words said another count ("1 of the 4 model(s)"), or named such
a count of something else, had its GENUINE run skipped as edited, since mia-train never
compares the two. Only mia-defense's own defenses (a built-in ``_target_`` in the run's
config) write their count in those words, so only theirs are cross-checked: an edited
count of early stopping or RelaxLoss still skips the run."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mia_defense.defenses.base import TrainingDefense
from mia_defense.defenses.relaxloss import LOWEST_LOSS, RelaxLoss
from mia_defense.pipeline import train
from mia_defense.report.checks.notes import idle_counts, idle_defenses_problem, idle_share
from mia_defense.report.runs import load_runs
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import RESULTS
from tests.report.fake_runs import make_run, rewrite_results

_OWN_WORDS = {
    # its words say another count than it records
    "another count": "1 of the {k} model(s) never reached the threshold",
    # its words name such a count of something else
    "something else": "3 of the {k} model(s) stopped in epoch 1; half never reached it",
}


class Worded(TrainingDefense):
    """A defense of one's own that counts half the models idle and words its reason as the
    test asks (``words``), through the hooks mia-train calls."""

    name = "worded"

    def __init__(self, words: str = _OWN_WORDS["another count"]) -> None:
        self.words = words

    def idle_reason(self, stats, *, epochs):
        return self.words.format(k=len(stats))

    def idle_models(self, stats):
        return len(stats) // 2


def _entries(defense: TrainingDefense, stats: list[dict[str, float]]) -> list[dict]:
    """training.defenses_idle as mia-train writes it (`train.idle_defenses`)."""
    experiment = SimpleNamespace(build_defenses=lambda: [defense],
                                 train=SimpleNamespace(epochs=3))  # fmt: skip
    ensemble = SimpleNamespace(histories=[SimpleNamespace(stats=s) for s in stats])
    return train.idle_defenses(experiment, ensemble)


def _run_with(tmp_path, name: str, target: str, entries: list[dict]):
    """A run of 4 models of the defense ``name`` (config ``_target_`` ``target``) whose
    results.json records ``entries`` as mia-train wrote them."""
    run_dir = tmp_path / "runs" / name
    make_run(run_dir, test_accuracy=0.85, signal=0.1, defense=name,
             config={f"defense.{name}._target_": target})  # fmt: skip
    rewrite_results(run_dir, lambda p: p.setdefault("training", {}).update(
        defenses_idle=entries))
    return run_dir


@pytest.mark.parametrize("words", _OWN_WORDS.values(), ids=_OWN_WORDS)
def test_a_genuine_run_of_ones_own_is_read_not_skipped(tmp_path, words):
    entries = _entries(Worded(words), [{}, {}, {}, {}])
    assert (entries[0]["idle_models"], entries[0]["models"]) == (2, 4)
    run_dir = _run_with(tmp_path, "worded", "mypkg.Worded", entries)
    payload = read_json(run_dir / RESULTS)
    assert idle_defenses_problem(payload) is None
    assert idle_counts(payload) == ((2, 4),)
    loaded = load_runs([tmp_path / "runs"])
    assert not loaded.skipped and len(loaded.runs) == 1


def _relaxloss_run(tmp_path, edit=None):
    """A run of mia-defense's RelaxLoss idle in 2 of its 4 models, its entry's count
    changed by ``edit`` (None: as mia-train wrote it)."""
    stats = [{LOWEST_LOSS: v} for v in (0.3, 0.4, 0.55, 0.76)]
    (entry,) = _entries(RelaxLoss(alpha=0.5), stats)
    assert "2 of the 4 model(s)" in entry["reason"]
    return _run_with(tmp_path, "relaxloss", "mia_defense.defenses.RelaxLoss",
                     [entry | (edit or {})])  # fmt: skip


def test_a_genuine_built_in_run_is_read(tmp_path):
    run_dir = _relaxloss_run(tmp_path)
    assert idle_counts(read_json(run_dir / RESULTS)) == ((2, 4),)
    assert len(load_runs([tmp_path / "runs"]).runs) == 1


@pytest.mark.parametrize("idle", [1, 3, 4])
def test_an_edited_built_in_count_still_skips_the_run(tmp_path, idle):
    run_dir = _relaxloss_run(tmp_path, {"idle_models": idle})
    loaded = load_runs([tmp_path / "runs"])
    assert not loaded.runs
    ((where, reason),) = loaded.skipped
    assert where == run_dir
    assert reason == (f"training.defenses_idle's entry for 'relaxloss' counts idle_models="
                      f"{idle} of models=4, but its reason says 2 of the 4 model(s): the file "
                      "was edited; rerun the run")  # fmt: skip


def test_a_subclass_of_ones_own_is_not_cross_checked(tmp_path):
    """A subclass of a built-in keeps its name (README), but its ``_target_`` is the user's:
    its words are not mia-defense's to vouch for."""
    stats = [{LOWEST_LOSS: v} for v in (0.3, 0.4, 0.55, 0.76)]
    (entry,) = _entries(RelaxLoss(alpha=0.5), stats)
    _run_with(tmp_path, "relaxloss", "mypkg.MyRelaxLoss", [entry | {"idle_models": 3}])
    assert len(load_runs([tmp_path / "runs"]).runs) == 1


@pytest.mark.slow
def test_mia_train_and_mia_report_end_to_end(tmp_path):
    """A real run of early stopping (idle in every model: '4 of the 4 model(s)') beside a
    defense of one's own whose words say 1 of 4 where it counts 2: mia-report reads it as
    written and marks each with its own count; the run's early-stopping count edited to 3
    is skipped."""
    from mia_defense.cli.train import run
    from mia_defense.report.checks import payload_problem
    from tests.conftest import compose_cfg

    target = f"{__name__}.Worded"
    run_dir = tmp_path / "runs" / "both"
    run(compose_cfg("defense=early_stopping", f"+defense.worded._target_={target}",
                    "plan.reference_size=300", "train.lr=0.001", "train.chunk_size=2",
                    "attack.bootstrap=0"), run_dir)  # fmt: skip
    payload = read_json(run_dir / RESULTS)
    counts = dict(zip((e["defense"] for e in payload["training"]["defenses_idle"]),
                      idle_counts(payload), strict=True))  # fmt: skip
    assert counts == {"early_stopping": (4, 4), "worded": (2, 4)}
    assert idle_share(counts["worded"]) == "in 2 of 4 models"
    assert payload_problem(payload) is None
    loaded = load_runs([tmp_path / "runs"])
    assert not loaded.skipped and len(loaded.runs) == 1

    def edit(p):
        (stopping,) = [e for e in p["training"]["defenses_idle"]
                       if e["defense"] == "early_stopping"]  # fmt: skip
        stopping["idle_models"] = 3

    rewrite_results(run_dir, edit)
    loaded = load_runs([tmp_path / "runs"])
    assert not loaded.runs
    ((_, reason),) = loaded.skipped
    assert reason.startswith("training.defenses_idle's entry for 'early_stopping' counts "
                             "idle_models=3 of models=4, but its reason says 4 of the 4")


def test_the_checks_package_exports_the_idle_counts():
    """report.checks re-exports what its notes offer the other modules (idle_models was;
    idle_counts and idle_share, which table.py, groups.py and mia-train read, were not)."""
    import mia_defense.report.checks as checks
    from mia_defense.report.checks import notes

    for name in ("idle_counts", "idle_share"):
        assert name in checks.__all__ and getattr(checks, name) is getattr(notes, name)


def test_the_dp_warning_reads_preprocessing_from_its_torch_free_home(monkeypatch, caplog):
    """warn_unaccounted_beside_dp imported preprocessing_reason from defenses.dp (torch and
    the DP-SGD defense) at every call, a run without DP-SGD too: it now loads dp only where
    a defense named dp ran (DPSGD built: loaded), and preprocessing_reason from
    dp_preprocessing, where it lives."""
    import sys

    from mia_defense.defenses import compose, dp_preprocessing
    from mia_defense.defenses.regularization import Dropout

    monkeypatch.setitem(sys.modules, "mia_defense.defenses.dp", None)  # (importing it fails)
    compose.warn_unaccounted_beside_dp([Dropout(p=0.5)], {})  # (no ImportError: not imported)
    monkeypatch.undo()
    monkeypatch.setattr(dp_preprocessing, "preprocessing_reason",
                        lambda dataset, one_hot_columns=None: "scaled by its members")
    with caplog.at_level("WARNING", logger="mia_defense"):
        compose.warn_unaccounted_beside_dp([SimpleNamespace(name="dp")], {})
    assert any(m.endswith(": scaled by its members") for m in caplog.messages)
