"""h411: mia-train's, mia-attack's and api's end-of-run READ WITH CARE lines gave only the
caveats on a weakened attacker, not the others mia-report and TensorBoard list of the same
run (`mia_defense.report.checks.caveats`): an idle early stopping's run (a WARNING far above,
then a bare table), a seeded-noise ε 50. They now give every caveat the table above them does
not say in a line of its own (`TABLE_SAYS`), in the report's words, each once."""

import json
from pathlib import Path

import numpy as np
import pytest

from mia_defense import api
from mia_defense.report.checks import caveats, run_end_lines
from mia_defense.report.checks.notes import TABLE_SAYS, _keyed_caveats
from tests.helpers import Done, built_once, mia_attack, mia_train

MARK = "READ WITH CARE: "


def _marked(stdout: str) -> list[str]:
    return [line.removeprefix(MARK) for line in stdout.splitlines() if line.startswith(MARK)]


def _expected(run) -> list[str]:
    """The report's caveats of the run at ``run`` the table does not say itself."""
    payload = json.loads((run / "results.json").read_text())
    return [note for key, note in _keyed_caveats(payload) if key not in TABLE_SAYS]


@pytest.fixture(scope="module")
def idle_early_stopping(tmp_path_factory) -> tuple[Done, Path, list[bool]]:
    """What ``mia-train defense=early_stopping plan.reference_size=300 train.epochs=3
    plan.num_models=2`` (an early stopping that never acted) said, its run folder, and for
    each call of `run_caveats` during it, whether record_run made it. Run once; read-only."""
    return built_once(tmp_path_factory, "h411_idle_early_stopping", _idle_early_stopping)


def _idle_early_stopping(cwd: Path) -> tuple[Done, Path, list[bool]]:
    # (the calls counted for test_a_run_reads_its_caveats_once_for_tensorboard)
    import sys

    import mia_defense.pipeline.record as record
    import mia_defense.tracking.hparams as hparams

    calls = []
    counted = hparams.run_caveats

    def counting(payload):
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_name != "record_run":
            frame = frame.f_back
        calls.append(frame is not None)
        return counted(payload)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(record, "run_caveats", counting)
        monkeypatch.setattr(hparams, "run_caveats", counting)
        done = mia_train("defense=early_stopping", "plan.reference_size=300", "train.epochs=3",
                         "plan.num_models=2", "figures=false", "attack.bootstrap=0",
                         "progress=false", f"hydra.run.dir={cwd / 'es'}", cwd=cwd)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done, cwd / "es", calls


def test_an_idle_early_stopping_ends_its_run_and_its_attack_with_the_caveat(
    idle_early_stopping, tmp_path
):
    done, run, _ = idle_early_stopping
    marked = _marked(done.stdout)
    assert any(line.startswith("defense early_stopping did not act: ") for line in marked), (
        done.stdout)
    # the few reference models' caveat (weak_attacker_notes, among caveats) said once
    assert sum("reference model(s) per target" in line for line in marked) == 1, done.stdout
    assert marked == _expected(run)
    assert done.stdout.index(MARK) < done.stdout.index("run directory:")
    again = mia_attack(str(run), "attack.bootstrap=0", "attack.attacks.shokri.classifier=logistic",
                       f"hydra.run.dir={tmp_path / 'attacked'}", cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    said = _marked(again.stdout)
    assert any(line.startswith("defense early_stopping did not act: ") for line in said)
    assert said == _expected(tmp_path / "attacked")


def test_a_seeded_noise_epsilon_ends_its_run_as_no_guarantee(seeded_dp_mia_train):
    done, run = seeded_dp_mia_train
    marked = _marked(done.stdout)
    assert any(line.startswith("its ε 50 is not a guarantee (epsilon_valid false): ")
               for line in marked), done.stdout  # fmt: skip
    assert marked == _expected(run)


def _payload() -> dict:
    """A results.json's fields for caveats the table says (saturated outputs, some models at
    chance) and others it does not (an idle defense, few reference models)."""
    lira = {"_target_": "mia_defense.attacks.lira", "online": True}
    return {
        "num_models": 4, "test_size": 500,
        "utility": {"test_accuracy": 0.9, "chance_accuracy": 0.1,
                    "test_accuracy_models_at_chance": 1},
        "privacy": {"outputs_saturated": "3 of 4 models answer probability 1"},
        "defense": {"defense": "early_stopping"},
        "training": {"defenses_idle": [{"defense": "early_stopping", "reason": "never stopped"}]},
        "attacks": {"lira_online": {"access": "outputs", "auc": 0.6}},
        "config": {"attack": {"attacks": {"lira_online": lira}}},
    }  # fmt: skip


def test_run_end_lines_leave_out_what_the_table_says_and_say_each_caveat_once():
    payload = _payload()
    lines = run_end_lines(payload)
    notes = [line.removeprefix(MARK) for line in lines]
    assert all(line.startswith(MARK) for line in lines)
    assert len(set(notes)) == len(notes)
    assert set(notes) <= set(caveats(payload))  # the report's words, no copy
    assert any(n.startswith("defense early_stopping did not act: never stopped") for n in notes)
    assert any("plan.num_models=4" in n for n in notes)
    # said by the table's SATURATED OUTPUTS and SOME MODELS AT CHANCE lines
    assert not any("saturated" in n or "not above chance" in n for n in notes), notes
    assert {key for key, _ in _keyed_caveats(payload)} >= {"outputs_saturated",
                                                             "models_at_chance"}


def test_the_api_table_gives_the_report_caveat_on_few_test_records():
    rng = np.random.default_rng(0)
    masks = np.tile([True, False], (4, 20))
    masks[1::2] = ~masks[1::2]
    labels = rng.integers(0, 3, 40)
    outputs = np.log(rng.dirichlet(np.ones(3), (4, 40)))
    test_labels = rng.integers(0, 3, 12)
    test_outputs = np.log(np.where(np.arange(3) == test_labels[:, None], 0.8, 0.1))
    obs = api.observations_from_arrays(outputs, masks, labels,
                                       test_outputs=np.stack([test_outputs] * 4),
                                       test_labels=test_labels)  # fmt: skip
    audit = api.audit(obs, overrides=["attack.bootstrap=0", "attack.num_targets=2"])
    [line] = [line for line in audit.table().splitlines() if "test records" in line]
    assert line.startswith(MARK + "its test accuracy 1.000 rests on 12 test records"), line


def test_a_run_reads_its_caveats_once_for_tensorboard(idle_early_stopping):
    # record_run read them twice, for the HParams column (run_columns) and the summary card
    # (the sweep's columns, written after it from results.json, read them apart)
    _, _, calls = idle_early_stopping
    assert calls.count(True) == 1, calls
