"""Hostile inputs to mia-attack, sixth round: a finished run folder whose observations.npz
was edited in place (masks or labels), whose results.json states facts of the wrong type,
and a run of the one-run audit, whose canaries may be members of every model or of none."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.files import load_npz
from mia_defense.observations import OBSERVATIONS_VERSION, load_file
from tests.helpers import (
    FAST,
    LEAN_ATTACKS,
    built_once,
    mia_attack,
    mia_train,
    synthetic_observations,
    write_with_extra,
)


def _edit_observations(run: Path, **changes: np.ndarray) -> None:
    arrays = load_npz(run / "observations.npz")
    np.savez(run / "observations.npz", **{**arrays, **changes})


# -- 1. observations.npz edited in place: same shapes, other masks or labels ------------------


@pytest.mark.parametrize("edit", ["masks", "labels"])
def test_observations_edited_in_place_are_not_the_runs(attacked_run, tmp_path, edit):
    # masks shuffled across records (or labels shifted by one class) kept K, N and C: the
    # run was attacked again, its utility and facts recorded beside figures of other data
    arrays = load_npz(attacked_run / "observations.npz")
    rng = np.random.default_rng(0)
    changed = {"masks": arrays["masks"][:, rng.permutation(arrays["masks"].shape[1])],
               "labels": (arrays["labels"] + 1) % 3}[edit]  # fmt: skip
    _edit_observations(attacked_run, **{edit: changed})
    with pytest.raises(DataError, match=r"run/observations.npz: the members' accuracy on them "
                       r"is .*, .* in results.json \(utility.train_accuracy\).*they are not this "
                       r"run's"):  # fmt: skip
        read_source(attacked_run)
    done = mia_attack(str(attacked_run), *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 2 and "utility.train_accuracy" in done.stderr
    assert not (tmp_path / "again" / "results.json").exists()


def test_a_run_attacked_from_a_file_without_a_test_set_is_attacked_again(attacked_run,
                                                                         tmp_path):  # fmt: skip
    # its results.json holds null test figures (NaN): the table's format of them was a
    # TypeError traceback, exit 1, after the results had been written
    assert read_source(attacked_run).results["utility"]["test_accuracy"] is None
    done = mia_attack(str(attacked_run), *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "test accuracy: not measured (train " in done.stdout, done.stdout[-3000:]
    assert "the observations hold no test outputs" in done.stdout
    (first,) = [line for line in done.stdout.splitlines() if line.startswith("test accuracy")]
    assert "nan" not in first and "Traceback" not in done.stderr
    again = json.loads((tmp_path / "again" / "results.json").read_text())
    assert again["utility"] == json.loads((attacked_run / "results.json").read_text())["utility"]


# -- 2. a run of the one-run audit: canaries of random membership --------------------------


@pytest.mark.slow  # a DP run with its audit, then the attack (3 s)
def test_a_one_run_audit_run_is_attacked_again(tmp_path):
    # its canaries' masks are Bernoulli draws: with K=4 some canary is a member of every
    # model or of none, and mia-attack refused the run's own observations ("train some
    # model on it, or drop the record") though mia-train had attacked them
    done = mia_train(*FAST, "plan.num_models=4", "plan.population_size=60", "seed=1",
                     "train.batch_size=16", "attack.audit=one_run", "attack.audit_canaries=40",
                     "hydra.run.dir=run", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    arrays = load_npz(tmp_path / "run" / "observations.npz")
    lopsided = ~arrays["masks"].any(axis=0) | arrays["masks"].all(axis=0)
    assert lopsided.any() and arrays["is_canary"][lopsided].all()
    again = mia_attack("run", *LEAN_ATTACKS, "attack.audit=one_run", "hydra.run.dir=again",
                       cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    old, new = (json.loads((tmp_path / d / "results.json").read_text()) for d in ("run", "again"))
    assert new["privacy"]["audit"] == old["privacy"]["audit"]


def test_only_flagged_canaries_may_be_members_of_every_model_or_none(tmp_path):
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    masks = obs.masks.copy()
    masks[:, 0], masks[:, 1] = False, True
    flags = np.zeros(40, dtype=bool)
    flags[:2] = True
    arrays = {"log_probs": obs.log_probs, "labels": obs.labels, "masks": masks,
              "schema_version": np.array(OBSERVATIONS_VERSION)}  # fmt: skip
    np.savez(tmp_path / "flagged.npz", **arrays, is_canary=flags)
    assert load_file(tmp_path / "flagged.npz")[1]["is_canary"][:2].all()
    for name, canaries in (("unflagged", None), ("other", ~flags & (np.arange(40) < 5)),
                           ("counts", flags.astype(np.int64) * 2)):  # fmt: skip
        extra = {} if canaries is None else {"is_canary": canaries}
        np.savez(tmp_path / f"{name}.npz", **arrays, **extra)
        with pytest.raises(DataError, match=r"(?s)masks: record 0 .* is never IN .* masks: "
                                            r"record 1 .* is never OUT"):  # fmt: skip
            load_file(tmp_path / f"{name}.npz")


# -- 3. results.json facts of the wrong type, copied into a complete run -------------------


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("dataset", ["digits"], "dataset is list ['digits'], not a string"),
        ("num_models", "4", "num_models is str '4', not an integer >= 1"),
        ("test_size", -3, "test_size is int -3, not an integer >= 0"),
        ("input_shape", "8x8", "input_shape is str '8x8', not a list of sizes >= 1"),
        ("class_labels", {"0": "cat"}, "class_labels is dict {'0': 'cat'}, not a list"),
        ("utility.train_accuracy", 5, "utility.train_accuracy is 5, outside [0, 1]"),
        ("utility.test_accuracy", float("inf"), "utility.test_accuracy is inf, outside [0, 1]"),
        ("utility.test_accuracy_std", "x",
         "utility.test_accuracy_std is str 'x', not a number in [0, 1]"),
    ],
)
def test_facts_of_the_wrong_type_are_refused_before_attacking(attacked_run, tmp_path, key,
                                                              value, said):  # fmt: skip
    # mia-attack copied them into a results.json marked complete, which mia-report then
    # skipped ("dataset is a list ['digits'], not a name")
    payload = json.loads((attacked_run / "results.json").read_text())
    section, _, name = key.rpartition(".")
    (payload[section] if section else payload)[name] = value
    (attacked_run / "results.json").write_text(json.dumps(payload))
    done = mia_attack(str(attacked_run), *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"run/results.json: {said}; mia-attack reads the run's facts from it" in done.stderr
    assert not (tmp_path / "again" / "results.json").exists()


# -- 4. a sweep over run folders whose sweep directory lies in one of them -----------------


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_sweep_over_sources_never_writes_into_one_of_them(tmp_path):
    # hydra.sweep.dir=first/sweep with source=first,second: the job of first was refused,
    # but Hydra had made multirun.yaml and second's whole attack run inside first
    for name in ("first", "second"):
        synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(
            tmp_path / f"{name}.npz")  # fmt: skip
        assert mia_attack(f"{name}.npz", *LEAN_ATTACKS, f"hydra.run.dir={name}",
                          cwd=tmp_path).returncode == 0  # fmt: skip
    before = sorted(p.name for p in (tmp_path / "first").rglob("*"))
    done = mia_attack("-m", "source=second,first", *LEAN_ATTACKS,
                      "hydra.sweep.dir=first/sweep", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert re.search(r"ConfigError: hydra.sweep.dir=.*/first/sweep lies in the run attacked "
                     r"\(.*/first\)", done.stderr), done.stderr[-3000:]  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "first").rglob("*")) == before


# -- 5. load_trained_model on a run whose results.json was edited --------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A finished tiny mia-train run with its checkpoints (read only), trained once."""

    def build(folder: Path) -> Path:
        done = mia_train(*FAST, "plan.num_models=2", "plan.population_size=60",
                         "train.batch_size=16", "hydra.run.dir=run", cwd=folder)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return folder / "run"

    return built_once(tmp_path_factory, "redteam6_trained", build)


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("config.plan", [4], r"config.plan is list \[4\], not an object"),
        ("num_classes", "x", r"num_classes is str 'x', not an integer >= 1"),
        ("num_classes", -1, r"num_classes is int -1, not an integer >= 1"),
        ("input_shape", "8x8", r"input_shape is str '8x8', not a list of sizes >= 1"),
        ("input_shape", [0, 64], r"input_shape is list \[0, 64\], not a list of sizes >= 1"),
    ],
)
def test_load_trained_model_names_a_results_json_fact_of_the_wrong_type(
    trained, tmp_path, key, value, said
):
    # a list plan was a raw AttributeError, num_classes 'x' a raw ValueError, a bad input
    # shape 'building the model failed ...; check the model.* settings' (none was wrong)
    from mia_defense.tracking.trained_model import load_trained_model

    run = Path(shutil.copytree(trained, tmp_path / "run"))
    payload = json.loads((run / "results.json").read_text())
    section, _, name = key.rpartition(".")
    (payload[section] if section else payload)[name] = value
    (run / "results.json").write_text(json.dumps(payload))
    with pytest.raises(DataError, match=rf"run/results.json: {said}; point run_dir at a "
                                        r"directory written by mia-train"):  # fmt: skip
        load_trained_model(run, 0)


def test_undefended_shadows_of_a_run_that_trained_none_say_so(trained):
    # was "no checkpoint of model 0 ... it was deleted or moved; run mia-train with the same
    # config and directory to train that model again", which trains no shadow either
    from mia_defense.tracking.trained_model import load_trained_model

    with pytest.raises(DataError, match=r"checkpoints_undefended: this run trained no "
                                        r"undefended shadow models; they are written with "
                                        r"attack.shadow_recipe=undefended"):  # fmt: skip
        load_trained_model(trained, 0, undefended=True)


# -- 6. a run with canaries whose is_canary flags were dropped ------------------------------


@pytest.mark.parametrize("edit", ["removed", "cleared"])
def test_canaries_the_observations_no_longer_flag_are_not_pooled(tmp_path, edit):
    # results.json says 10 canaries; without their flags they were pooled with the records
    # (the verdict's figures moved) and the new results.json still said canaries: 10
    done = mia_train(*FAST, "plan.num_models=4", "plan.population_size=60",
                     "train.batch_size=16", "attack.canaries.num=10", "hydra.run.dir=run",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    arrays = load_npz(tmp_path / "run" / "observations.npz")
    assert arrays["is_canary"].sum() == 10
    if edit == "removed":
        del arrays["is_canary"]
    else:
        arrays["is_canary"] = np.zeros_like(arrays["is_canary"])
    np.savez(tmp_path / "run" / "observations.npz", **arrays)
    with pytest.raises(DataError, match=r"run/observations.npz: is_canary flags 0 records, "
                                        r"results.json 10 canaries: they are not this run's"):
        read_source(tmp_path / "run")


# -- 7. the source run's privacy section: the accountant's figures, and stale verdicts ------


@pytest.mark.parametrize(
    ("privacy", "said"),
    [
        ({"delta": "abc"}, "privacy.delta is str 'abc', not a number in (0, 1)"),
        ({"delta": 5}, "privacy.delta is int 5, not a number in (0, 1)"),
        ({"epsilon": "abc"}, "privacy.epsilon is str 'abc', not a number >= 0"),
        ({"epsilon": -1.0}, "privacy.epsilon is float -1.0, not a number >= 0"),
    ],
)
def test_the_accountants_figures_are_checked_before_attacking(attacked_run, tmp_path, privacy,
                                                              said):  # fmt: skip
    # delta 'abc' was a TypeError traceback after the attacks, delta 5 an ε bound at δ=5,
    # epsilon 'abc' a complete run mia-report skipped
    payload = json.loads((attacked_run / "results.json").read_text())
    payload["privacy"] = privacy
    (attacked_run / "results.json").write_text(json.dumps(payload))
    done = mia_attack(str(attacked_run), *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"run/results.json: {said}; mia-attack reads the run's facts from it" in done.stderr
    assert not (tmp_path / "again" / "results.json").exists()


def test_the_source_runs_verdict_flags_are_measured_again_not_copied(attacked_run, tmp_path):
    # a leak at chance utility, an undefined verdict or a refuted claim found by the source
    # run's attacks were copied into the new results.json whatever the new attacks found
    payload = json.loads((attacked_run / "results.json").read_text())
    stale = {"leak_without_utility": True, "leak_without_utility_reason": "old",
             "no_verdict_reason": "old", "epsilon_refuted": "false",
             "epsilon_refuted_by": "old", "epsilon_refuted_reason": "old"}  # fmt: skip
    payload["privacy"] = {**payload["privacy"], **stale}
    (attacked_run / "results.json").write_text(json.dumps(payload))
    done = mia_attack(str(attacked_run), *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    privacy = json.loads((tmp_path / "again" / "results.json").read_text())["privacy"]
    assert not (set(stale) - {"no_verdict_reason"}) & set(privacy), privacy
    assert privacy["no_verdict_reason"] is None  # (written always, null where judged: h315)


@pytest.mark.parametrize(
    "audit",
    [{"black_box": {"epsilon": "x"}}, {"white_box": "x"}, {"accountant_epsilon": "x"},
     {"black_box": {"epsilon": 0.1, "canaries": 4, "correct": 1, "guesses": 2}}],
)
def test_a_malformed_one_run_audit_block_is_refused_before_attacking(attacked_run, tmp_path,
                                                                     audit):  # fmt: skip
    # the source's privacy.audit is carried into the summary: each of these was a raw
    # ValueError, AttributeError or KeyError traceback, exit 1, after results.json was written
    payload = json.loads((attacked_run / "results.json").read_text())
    payload["privacy"] = {"audit": audit}
    (attacked_run / "results.json").write_text(json.dumps(payload))
    done = mia_attack(str(attacked_run), *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "run/results.json: privacy.audit is not a one-run audit's figures (" in done.stderr
    assert not (tmp_path / "again" / "results.json").exists()


# -- 8. a refused source leaves no run folder behind -----------------------------------------


def test_a_source_refused_for_its_content_leaves_no_run_folder(attacked_run, tmp_path):
    # the folder Hydra had made held attack.log alone, and the same command run again once
    # the source was fixed was refused: "holds files that are not mia-train's (attack.log)"
    good = (attacked_run / "observations.npz").read_bytes()
    (attacked_run / "observations.npz").write_bytes(b"not an npz")
    done = mia_attack(str(attacked_run), *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 2 and "DataError: " in done.stderr, done.stderr[-3000:]
    assert "observations.npz: corrupt or not an .npz archive" in done.stderr
    assert not (tmp_path / "again").exists()
    (attacked_run / "observations.npz").write_bytes(good)
    done = mia_attack(str(attacked_run), *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_relative_path_is_the_launch_directorys_with_hydra_job_chdir(attacked_run, tmp_path):
    # hydra.job.chdir=true: the task ran in the run directory, where PATH named nothing
    # ("run: no such file or directory", exit 2, a folder holding attack.log left behind)
    done = mia_attack("run", *LEAN_ATTACKS, "hydra.run.dir=again", "hydra.job.chdir=true",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    source = json.loads((tmp_path / "again" / "results.json").read_text())["source"]
    assert source["path"] == str(attacked_run.resolve())
    assert "attacked:      run\n" in done.stdout


def test_a_file_whose_extra_arrays_are_refused_leaves_no_run_folder(tmp_path):
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    write_with_extra(obs, tmp_path / "o.npz", is_canary=np.arange(40))  # counts, not flags
    done = mia_attack("o.npz", *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    # (0/1 numbers are flags, as in masks: h188; other numbers are refused by their values)
    assert "DataError: o.npz: is_canary: values must be 0/1 or true/false" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["junk", "text", "npy"])
def test_a_file_under_an_npz_name_that_is_no_zip_is_named_without_unpickling_advice(tmp_path, kind):
    from mia_defense.errors import DataError
    from mia_defense.files import load_npz

    path = tmp_path / "observations.npz"
    if kind == "npy":  # np.load returned the lone array: a TypeError in the source check
        with path.open("wb") as handle:
            np.save(handle, np.arange(3))
    else:
        path.write_bytes(bytes(range(256)) if kind == "junk" else b"hello world")
    with pytest.raises(DataError, match=r"not an \.npz archive") as caught:
        load_npz(path)
    assert "pickle" not in str(caught.value)


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_folder_a_refused_mia_attack_left_its_log_in_takes_the_fixed_command(tmp_path):
    from tests.conftest import TINY
    from tests.helpers import LEAN_ATTACKS, mia_attack, mia_train

    assert mia_train(*TINY, *LEAN_ATTACKS, "hydra.run.dir=run", cwd=tmp_path).returncode == 0
    (tmp_path / "again").mkdir()  # as a refusal after Hydra made the folder leaves it
    (tmp_path / "again" / "attack.log").write_text("ConfigError: attack.num_targets=100 ...\n")
    fixed = mia_attack("run", *LEAN_ATTACKS, "hydra.run.dir=again", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    assert (tmp_path / "again" / "results.json").is_file()
