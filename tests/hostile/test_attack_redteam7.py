"""Hostile inputs to mia-attack, seventh round: overrides of settings the observations fix
(their queries, canaries and audit), format versions that are not integers, a source run's
one-run audit and the DP claim it refutes, LiRA's signal under a top-k release, records
flagged as canaries beyond the run's, stale mask checks, augmented queries of A=0, and
files Hydra writes beside the run directory into the run attacked."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.files import load_npz
from mia_defense.observations import load_file
from tests.helpers import LEAN_ATTACKS, mia_attack, overridden, synthetic_observations


@pytest.fixture
def observations(tmp_path: Path) -> Path:
    """A tiny observations file without augmented queries (A=0) or canaries."""
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(tmp_path / "o.npz")
    return tmp_path / "o.npz"


def _results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text())


def _edit_results(run: Path, edit) -> None:
    payload = _results(run)
    edit(payload)
    (run / "results.json").write_text(json.dumps(payload))


# -- 1. settings the observations fix: their queries and canaries ---------------------------


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("attack.queries.num_augmented=8", "attack.queries.num_augmented=8"),
        ("attack.queries.repeats=3", "attack.queries.repeats=3"),
        ("attack.queries.noise_std=0.3", "attack.queries.noise_std=0.3"),  # the default's
        ("attack.canaries.num=5", "attack.canaries.num=5"),
        ("attack.audit=one_run", "attack.audit=one_run"),
    ],
)
def test_overrides_the_observations_fix_are_refused(observations, tmp_path, override, key):
    # each was accepted and recorded in config.attack as if it had shaped the observations
    # (8 augmented queries on a file holding none; mia-report reads attack.queries.* as the
    # attack's yardstick)
    done = mia_attack("o.npz", *overridden(LEAN_ATTACKS, override), "hydra.run.dir=out",
                      cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"ConfigError: {key}: cannot take effect" in done.stderr, done.stderr[-3000:]
    assert "o.npz" in done.stderr and "drop the override" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_fixed_setting_given_as_the_sources_own_is_accepted(observations, tmp_path):
    # num_augmented=0 on a file without augmented queries (LEAN_ATTACKS), canaries.num=0 on
    # a file flagging none: what they are; the record says what the file holds
    done = mia_attack("o.npz", *LEAN_ATTACKS, "attack.canaries.num=0", "hydra.run.dir=out",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    attack = _results(tmp_path / "out")["config"]["attack"]
    assert attack["queries"]["num_augmented"] == 0 and attack["canaries"]["num"] == 0


def test_the_record_states_the_files_own_queries_not_the_configs(observations, tmp_path):
    # without any override the default config said num_augmented: 8 of a file holding none
    done = mia_attack("o.npz", "figures=false", "attack.bootstrap=0", "attack.white_box=false",
                      "~attack.attacks.shokri", "hydra.run.dir=out", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert _results(tmp_path / "out")["config"]["attack"]["queries"]["num_augmented"] == 0


def test_a_run_directorys_fixed_settings_are_its_own(attacked_run, tmp_path):
    # the source run's queries are what its observations were made with: the same value is
    # accepted, another refused naming the run's
    _edit_results(attacked_run, lambda p: p["config"]["attack"]["queries"].update(repeats=4))
    done = mia_attack("run", *LEAN_ATTACKS, "attack.queries.repeats=4", "hydra.run.dir=same",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert _results(tmp_path / "same")["config"]["attack"]["queries"]["repeats"] == 4
    done = mia_attack("run", *LEAN_ATTACKS, "attack.queries.repeats=16", "hydra.run.dir=other",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("ConfigError: attack.queries.repeats=16: cannot take effect: the observations of "
            in done.stderr and "were made with attack.queries.repeats=4" in done.stderr)
    assert not (tmp_path / "other").exists()


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_sweep_point_over_a_fixed_setting_is_refused_alone(observations, tmp_path):
    done = mia_attack("-m", "o.npz", *LEAN_ATTACKS[1:], "figures=false",
                      "attack.queries.num_augmented=0,8", "hydra.sweep.dir=sweep",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "attack.queries.num_augmented=8: cannot take effect" in done.stdout + done.stderr
    done_points = list((tmp_path / "sweep").rglob("results.json"))
    assert len(done_points) == 1, done_points
    assert _results(done_points[0].parent)["config"]["attack"]["queries"]["num_augmented"] == 0


# -- 2. format versions: the exact integer only --------------------------------------------


@pytest.mark.parametrize("version", [np.array("2"), np.array(2.5), np.array(2.0), np.array([2]),
                                     np.array(True), np.array(b"2")])  # fmt: skip
def test_an_observations_version_that_is_not_the_integer_is_refused(tmp_path, version):
    # "2" (a string) and 2.5 were read as int(...) == 2 and accepted
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    obs.save(tmp_path / "o.npz")
    arrays = {**load_npz(tmp_path / "o.npz"), "schema_version": version}
    np.savez(tmp_path / "o.npz", **arrays)
    with pytest.raises(DataError, match=r"o.npz: schema_version: .*must be the integer 2"):
        load_file(tmp_path / "o.npz")


@pytest.mark.parametrize("version", ["1", 1.5, 1.0, True, None, 99, "missing"])
def test_a_results_json_version_that_is_not_the_integer_is_refused(attacked_run, version):
    # mia-attack never read results.json's schema_version: any value, or none, was accepted
    def edit(payload: dict) -> None:
        if version == "missing":
            del payload["schema_version"]
        else:
            payload["schema_version"] = version

    _edit_results(attacked_run, edit)
    with pytest.raises(DataError, match=r"run/results.json: schema_version"):
        read_source(attacked_run)


# -- 3. the source run's one-run audit ------------------------------------------------------


def _audit_block(epsilon: float) -> dict:
    entry = {"epsilon": epsilon, "canaries": 100, "correct": 40, "guesses": 40}
    return {"accountant_epsilon": 5.0, "delta": 1e-5, "confidence": 0.95,
            "black_box": entry, "white_box": {"skipped": "no DP-SGD"}}  # fmt: skip


def test_an_audit_the_source_run_did_not_run_is_not_carried(attacked_run, tmp_path):
    # privacy.audit in a run whose config says attack.audit: none was carried into the new
    # results.json beside config.attack.audit: none
    _edit_results(attacked_run, lambda p: p["privacy"].update(audit=_audit_block(0.5)))
    with pytest.raises(DataError, match=r"run/results.json: privacy.audit .* config.attack.audit "
                                        r"is 'none'"):  # fmt: skip
        read_source(attacked_run)


def test_the_source_audits_refutation_of_the_dp_claim_is_kept(attacked_run, tmp_path):
    # the audit's bound (8.0) above the accountant's ε (5.0) refuted the claim in the source
    # run; mia-attack dropped epsilon_refuted (measured again) but judged the claim on its
    # attacks' bounds alone (below 5 on 60 records): epsilon_refuted false beside the 8.0
    def edit(payload: dict) -> None:
        payload["config"]["attack"].update(audit="one_run", audit_canaries=0)  # white-box only
        payload["privacy"].update(epsilon=5.0, delta=1e-5, audit=_audit_block(8.0),
                                  epsilon_refuted=True)  # fmt: skip

    _edit_results(attacked_run, edit)
    done = mia_attack("run", *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    new = _results(tmp_path / "again")
    assert new["config"]["attack"]["audit"] == "one_run"
    assert new["privacy"]["epsilon_refuted"] is True
    assert new["privacy"]["epsilon_refuted_by"] == "one-run audit, black_box"


# -- 4. LiRA's signal under a release that withholds classes --------------------------------


def test_the_true_class_logit_of_a_top_k_release_keeps_its_probability():
    # release=topk (renormalize=false) withholds the other classes: log(1 - p_y) was the
    # log-sum-exp of the released others (none), so every correct top-1 answer was +50
    # whatever its p_y, and LiRA read members and non-members alike
    from mia_defense.attacks.signals import true_class_logit

    with np.errstate(divide="ignore"):  # log(0) = -inf: withheld
        top1 = np.log(np.array([[[0.9, 0.0, 0.0], [0.6, 0.0, 0.0], [0.0, 0.7, 0.0]]]))
        top2 = np.log(np.array([[[0.5, 0.3, 0.0]]]))  # the withheld third class holds 0.2
    logit = true_class_logit(top1, np.array([0, 0, 0]))
    np.testing.assert_allclose(logit[0], [np.log(0.9 / 0.1), np.log(0.6 / 0.4), -50.0])
    assert true_class_logit(top2, np.array([0]))[0, 0] == pytest.approx(0.0)
    full = np.log(np.array([[[0.5, 0.3, 0.2]]]))  # nothing withheld: as before
    assert true_class_logit(full, np.array([0]))[0, 0] == pytest.approx(0.0)


# -- 5. is_canary flagging records the run did not insert as canaries -----------------------


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory) -> Path:
    """A finished tiny mia-train run with 10 canaries (the last 10 of its 70 records)."""
    from tests.helpers import FAST, built_once, mia_train

    def build(folder: Path) -> Path:  # once for the session (read only)
        done = mia_train(*FAST, "plan.num_models=4", "plan.population_size=60",
                         "train.batch_size=16", "attack.canaries.num=10", "hydra.run.dir=run",
                         cwd=folder)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return folder / "run"

    return built_once(tmp_path_factory, "redteam7_canaries", build)


@pytest.mark.parametrize("edit", ["more", "moved"])
def test_records_flagged_beyond_the_runs_canaries_are_refused(canary_run, tmp_path, edit):
    # the records is_canary flags are left out of the pooled figures and the verdict: 10
    # more flagged (or the flags moved onto 10 real records, the leakiest ones, say) hid them,
    # and the run read as more private than it is; only fewer flags were refused
    import shutil

    run = Path(shutil.copytree(canary_run, tmp_path / "run"))
    arrays = load_npz(run / "observations.npz")
    flags = arrays["is_canary"].copy()
    assert flags.sum() == 10 and flags[-10:].all()
    flags[:10] = True
    if edit == "moved":
        flags[-10:] = False
    np.savez(run / "observations.npz", **{**arrays, "is_canary": flags})
    said = ("is_canary flags 20 records, results.json 10 canaries" if edit == "more" else
            "is_canary flags other records than the last 10")  # fmt: skip
    with pytest.raises(DataError, match=rf"run/observations.npz: {said}.*they are not this run's"):
        read_source(run)
    assert read_source(canary_run).extras["is_canary"].sum() == 10  # the run's own: attacked


def test_the_source_runs_mask_checks_are_measured_again_not_copied(attacked_run, tmp_path):
    # masks_suspect and masks_unbalanced are set by the attack stage only when it finds them:
    # a source run's (stale, or edited in) stayed in the new results.json whatever it found
    stale = {"masks_suspect": "old", "masks_out_vs_test_auc": 0.9, "masks_unbalanced": "old"}
    _edit_results(attacked_run, lambda p: p["privacy"].update(stale))
    done = mia_attack("run", *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    privacy = _results(tmp_path / "again")["privacy"]
    assert not (set(stale) - {"masks_suspect"}) & set(privacy)
    assert privacy["masks_suspect"] is None  # (written always, null where fine: h315)


def test_augmented_queries_of_none_are_no_augmented_queries(observations, tmp_path):
    # [K, 0, N] arrays: lira_online_augmented ran on the plain query alone and was reported
    # as the augmented attack (its figures lira_online's)
    arrays = {**load_npz(observations), "augmented_logits": np.zeros((4, 0, 60), np.float32),
              "augmented_predictions": np.zeros((4, 0, 60), np.uint8)}  # fmt: skip
    np.savez(observations, **arrays)
    obs, _ = load_file(observations)
    assert obs.augmented_logits is None and obs.augmented_predictions is None
    done = mia_attack("o.npz", *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "lira_online_augmented" not in _results(tmp_path / "out")["attacks"]


def test_class_labels_of_another_number_of_classes_are_refused(attacked_run):
    # copied into a complete run (the dataset itself refuses such labels: one per class)
    _edit_results(attacked_run, lambda p: p.update(class_labels=["a"]))
    with pytest.raises(DataError, match=r"run/results.json: class_labels names 1 classes, "
                                        r"num_classes is 3"):  # fmt: skip
        read_source(attacked_run)


# -- 6. files Hydra writes beside the run directory, inside the run attacked -----------------


def _digest(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["hydra.run.dir=out", "hydra.output_subdir=../run/x"], "hydra.output_subdir=../run/x"),
        (["hydra.run.dir=out", "hydra.job_logging.handlers.file.filename=run/attack.log"],
         "hydra.job_logging.handlers.file.filename=run/attack.log"),
        (["-m", "hydra.sweep.dir=sweep", "hydra.output_subdir=../../run/x"],
         "hydra.output_subdir=../../run/x"),
    ],
)
def test_hydra_never_writes_its_files_into_the_run_attacked(attacked_run, tmp_path, args, key):
    # the run directory lay outside the source run, but Hydra wrote config.yaml, hydra.yaml
    # and overrides.yaml into run/x, or appended this job's log to the source's attack.log
    before = _digest(attacked_run)
    done = mia_attack("run", *LEAN_ATTACKS, *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"ConfigError: {key} lies in the run attacked" in done.stderr, done.stderr[-3000:]
    assert _digest(attacked_run) == before
    assert not (tmp_path / "out").exists() and not (tmp_path / "sweep").exists()


# -- 7. masks inverted (True where a record was held out), without a test set -------------


def test_inverted_masks_are_flagged_without_a_test_set(tmp_path):
    # the threshold attacks came out far below chance (loss AUC 0.25) and the verdict rested
    # on LiRA online alone (TPR@0.1%FPR 0.26 -> 0.16), without a word: the masks check
    # compared OUT records with a test set, which this file does not hold
    obs = synthetic_observations(num_models=8, num_samples=300, num_classes=5, signal=2.0)
    obs.save(tmp_path / "right.npz")
    arrays = {**load_npz(tmp_path / "right.npz"), "masks": ~obs.masks}
    np.savez(tmp_path / "inverted.npz", **arrays)
    for name in ("right", "inverted"):
        done = mia_attack(f"{name}.npz", *LEAN_ATTACKS, f"hydra.run.dir={name}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
    assert _results(tmp_path / "right")["privacy"]["masks_suspect"] is None  # (always, h315)
    flagged = _results(tmp_path / "inverted")["privacy"]["masks_suspect"]
    assert "masks[k] look inverted (True where a record was held out" in flagged
