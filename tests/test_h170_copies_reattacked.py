"""mia-attack of a mia-train run on repeated rows (and `api.audit` of its observations)
called the attacks without the run's copy groups (94e78d0, c1b9ff0): re-attacking a DP run
whose CSV repeats its rows said 'DP CLAIM REFUTED: eps >= 1.87' where the run itself did
not, with narrower intervals. mia-train now saves the groups in observations.npz
(``copy_groups``, only where the population holds copies) and mia-attack and `api.audit`
pass them on: the re-attack gives the run's privacy block and intervals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError, DataError
from mia_defense.observations import COPY_GROUPS, load_file
from tests.helpers import (
    mia_attack,
    mia_train,
    synthetic_observations,
    trained_privacy,
    write_with_extra,
)


def _repeated_rows_csv(folder: Path, *, distinct: int, times: int) -> Path:
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(0)
    pick = rng.choice(len(digits.target), distinct, replace=False)
    x = np.repeat(digits.data[pick] / 16, times, axis=0)
    y = np.repeat(digits.target[pick], times)
    order = rng.permutation(len(y))
    rows = [",".join(f"{v:g}" for v in row) + f",{label}" for row, label in
            zip(x[order], y[order], strict=True)]
    path = folder / "rows.csv"
    path.write_text(",".join(f"f{i}" for i in range(64)) + ",label\n" + "\n".join(rows) + "\n")
    return path


def _intervals(results: dict) -> dict:
    return {name: {k: v for k, v in attack.items() if "ci" in k or k == "auc"}
            for name, attack in results["attacks"].items()}  # fmt: skip


@pytest.mark.slow
def test_mia_attack_of_a_dp_run_on_repeated_rows_gives_the_runs_verdict(tmp_path, caplog):
    csv = _repeated_rows_csv(tmp_path, distinct=60, times=10)
    run = tmp_path / "run"
    done = mia_train(
        "dataset=csv", f"dataset.path={csv}", "dataset.label_column=label",
        "dataset.standardize=false", "plan.num_models=8", "plan.population_size=500",
        "train.batch_size=32", "train.epochs=40", "train.lr=0.01", "defense=dp",
        "defense.dp.target_epsilon=1", "defense.dp.max_grad_norm=5",
        "attack.bootstrap=50", "attack.queries.num_augmented=0", "attack.white_box=false",
        "~attack.attacks.shokri", "figures=false", "progress=false", f"hydra.run.dir={run}",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    trained = json.loads((run / "results.json").read_text())
    assert trained["privacy"]["epsilon_refuted"] is False
    obs, extras = load_file(run / "observations.npz")
    assert COPY_GROUPS in extras and len(np.unique(extras[COPY_GROUPS])) < 500

    again = tmp_path / "again"
    done = mia_attack(str(run), f"hydra.run.dir={again}", "attack.bootstrap=50",
                      "~attack.attacks.shokri", "figures=false", "progress=false",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "REFUTED" not in done.stdout + done.stderr
    attacked = json.loads((again / "results.json").read_text())
    assert trained_privacy(attacked) == trained["privacy"]
    assert _intervals(attacked) == _intervals(trained)

    # api.audit of the same observations, given the file's groups, draws the run's intervals
    with caplog.at_level("WARNING"):
        api.load_observations(run)
    assert "api.audit(obs, copy_groups=" in caplog.text
    audit = api.audit(obs, overrides=["attack.bootstrap=50", "~attack.attacks.shokri"],
                      seed=trained["seed"], copy_groups=extras[COPY_GROUPS])  # fmt: skip
    assert _intervals({"attacks": audit.result.attacks}) == _intervals(trained)


def _copied_observations():
    obs = synthetic_observations(num_models=8, num_samples=300, signal=6.0, seed=0)
    groups = np.arange(300) // 2 * 2  # records copied in pairs share their masks
    return api.observations_from_arrays(
        obs.log_probs[:, groups], obs.masks[:, groups], obs.labels[groups]
    ), groups


def test_audit_draws_copies_together_with_their_groups():
    obs, groups = _copied_observations()
    settings = ["attack.bootstrap=50", "~attack.attacks.shokri", "attack.queries.num_augmented=0"]
    alone = api.audit(obs, overrides=settings).result
    grouped = api.audit(obs, overrides=settings, copy_groups=groups).result
    loss_alone, loss_grouped = alone.attacks["loss"], grouped.attacks["loss"]
    width = loss_grouped["auc_ci_high"] - loss_grouped["auc_ci_low"]
    assert width > 1.2 * (loss_alone["auc_ci_high"] - loss_alone["auc_ci_low"])


def test_copy_groups_that_join_records_of_other_models_are_refused(tmp_path):
    obs, _ = _copied_observations()
    wrong = np.zeros(300, dtype=np.int64)  # every record one group: masks differ
    with pytest.raises(ConfigError, match=r"copy_groups: records .* trained other models"):
        api.audit(obs, overrides=["attack.bootstrap=0"], copy_groups=wrong)
    with pytest.raises(DataError, match=r"obs\.npz: copy_groups: records"):
        obs.save(tmp_path / "obs.npz", copy_groups=wrong)  # (h224: save refuses them too)
    write_with_extra(obs, tmp_path / "obs.npz", copy_groups=wrong)
    done = mia_attack(str(tmp_path / "obs.npz"), f"hydra.run.dir={tmp_path / 'out'}",
                      "attack.bootstrap=0", "figures=false", "progress=false", cwd=tmp_path)
    assert done.returncode != 0
    assert "copy_groups: records" in done.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_the_duplicates_note_says_what_holds_of_the_run():
    from mia_defense.pipeline.trust_checks import _copies_untested
    from mia_defense.report.checks.notes import duplicates_note

    # A DP run since c1b9ff0 says in epsilon_untested that its copies trained the same
    # models: no 'understate the leak' for it.
    shared = {"data_duplicates": 40,
              "privacy": {"epsilon": 1.0, "epsilon_untested": _copies_untested(40, 1.0)}}
    note = duplicates_note(shared)
    assert note.startswith("40 of the samples it used have an exact copy")
    assert "understate" not in note and "gave copies the same models" in note
    # Other runs: results.json cannot tell before from after; the note names both.
    note = duplicates_note({"data_duplicates": 40, "privacy": {}})
    assert "in a run made before" in note and "in a run made since" in note
    assert note.endswith("deduplicate the data")
