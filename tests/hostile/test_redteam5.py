"""Hostile inputs, fifth round: observations whose augmented queries are not finite, data
whose samples hold no values, loader settings no config check saw (the Python API), and
model-store entries whose histories a checkpoint would refuse."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import zipfile

import numpy as np
import pytest
import torch

from mia_defense import api
from mia_defense.cli.report import main as report_main
from mia_defense.data import (
    load_breast_cancer,
    load_cifar10,
    load_csv,
    load_digits,
    load_mnist,
    load_npz,
    make_purchase_like,
    make_texas_like,
)
from mia_defense.errors import ConfigError, DataError
from mia_defense.observations import Observations, load_file
from mia_defense.store import STORE_SCHEMA, ModelStore
from mia_defense.training.checkpoints import checkpoint_path, load_checkpoint, save_checkpoint
from tests.helpers import synthetic_observations
from tests.report.fake_runs import two_run_sweep

# -- 1. augmented queries: every logit finite ------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_augmented_logits_are_refused_by_name(tmp_path, bad):
    # one NaN or inf made LiRA's pooled variance NaN for every record: lira_online_augmented
    # was skipped with a warning and the verdict left to weaker attacks
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    logits = np.zeros((4, 2, 40), dtype=np.float32)
    logits[1, 0, 7] = bad
    predictions = np.zeros((4, 2, 40), dtype=np.int64)
    with pytest.raises(DataError, match=r"augmented_logits: NaN or infinite at \[1, 0, 7\]"):
        api.observations_from_arrays(obs.log_probs, obs.masks, obs.labels,
                                     augmented_logits=logits, augmented_predictions=predictions)
    path = tmp_path / "o.npz"
    np.savez(path, log_probs=obs.log_probs, masks=obs.masks, labels=obs.labels,
             augmented_logits=logits, augmented_predictions=predictions, schema_version=2)
    with pytest.raises(DataError, match="augmented_logits: NaN or infinite"):
        Observations.load(path)
    logits[1, 0, 7] = 30.0  # finite: accepted
    api.observations_from_arrays(obs.log_probs, obs.masks, obs.labels, augmented_logits=logits,
                                 augmented_predictions=predictions)


# -- 2. samples without values ---------------------------------------------------------------

def test_samples_without_values_are_refused_not_a_traceback():
    # api.make_plan on x of shape [200, 0] was a raw IndexError from the duplicate check
    y = np.arange(200) % 2
    for shape in ((200, 0), (200, 3, 0)):
        with pytest.raises(DataError, match=r"no values per sample"):
            api.make_plan(np.zeros(shape), y, num_models=4, population_size=100)


# -- 3. the model store: an entry the checkpoint loader would refuse --------------------------

def test_a_store_entry_whose_history_a_checkpoint_refuses_is_trained_again(tmp_path, caplog):
    # the store checked only that 'epochs' was a list: an entry with an epoch record of text
    # was copied into the run's checkpoints, which the run then refused ("delete it to
    # retrain"), and the store handed the same entry back on every restart
    store, checkpoints, digest = ModelStore(tmp_path / "store"), tmp_path / "ckpt", "0" * 64
    state = {"weight": torch.zeros(2, 2)}
    bad = {"epochs": [["one", 0.5]], "stats": {}, "epoch_stats": []}
    buffer = io.BytesIO()
    torch.save({"schema": STORE_SCHEMA, "key": digest,
                "models": [{"state_dict": state, "history": bad}] * 2}, buffer)
    raw = buffer.getvalue()
    store.root.mkdir()
    (store.root / f"{digest}.pt").write_bytes(raw)
    (store.root / f"{digest}.json").write_text(json.dumps(
        {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}))
    trained = []

    def train() -> None:
        good = {"epochs": [], "stats": {}, "epoch_stats": []}
        for k in range(2):
            save_checkpoint(checkpoint_path(checkpoints, k),
                            {"state_dict": state, "history": good, "fingerprint": "f"})
        trained.append(k)

    with caplog.at_level(logging.WARNING, logger="mia_defense.store"):
        store.train_once((digest, {}), train, checkpoint_dir=checkpoints, fingerprint="f",
                         num_models=2, stage="model")
    assert trained
    assert store.stages["model"]["reused"] is False
    assert "model 0 has a malformed 'history'" in caplog.text
    assert "training its models again" in caplog.text
    load_checkpoint(checkpoint_path(checkpoints, 0), fingerprint="f")  # the run's own, whole


# -- 4. loaders called from Python: the seed ---------------------------------------------------

@pytest.mark.parametrize("seed", ["x", -1, 1.5, True])
def test_a_loaders_seed_that_is_no_integer_is_named(tmp_path, seed):
    # no config check runs before a loader called from Python: seed='x' was numpy's raw
    # TypeError, seed=-1 its ValueError 'expected non-negative integer'
    path = tmp_path / "d.npz"
    np.savez(path, x=np.arange(40.0).reshape(20, 2), y=np.arange(20) % 2)
    loaders = [
        lambda: load_npz(path=path, max_samples=10, seed=seed),
        lambda: make_purchase_like(num_samples=40, num_features=20, num_classes=2,
                                   basket_size=5, seed=seed),
        lambda: make_texas_like(num_samples=40, num_features=40, num_classes=2, seed=seed),
    ]
    for load in loaders:
        with pytest.raises(ConfigError, match=rf"dataset.seed={seed!r}: must be an integer >= 0"):
            load()


# -- 5. metadata of observations made in Python ------------------------------------------------

def _nested(depth: int) -> dict:
    top: dict = {}
    inner = top
    for _ in range(depth - 1):
        inner["a"] = inner = {}
    return top


def test_metadata_the_file_could_not_hold_is_refused_when_given(tmp_path):
    # 3000 levels deep, or holding itself: a raw RecursionError; 150 levels deep: accepted,
    # saved, and the file then refused by Observations.load and mia-attack
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    cyclic: dict = {"dataset": "digits"}
    cyclic["self"] = cyclic
    for metadata, message in ((_nested(3000), "must be a mapping of JSON values"),
                              (cyclic, "without cycles"),
                              (_nested(150), "nested 150 levels deep; keep it to at most 100")):
        with pytest.raises(ConfigError, match=message):
            api.observations_from_arrays(obs.log_probs, obs.masks, obs.labels, metadata=metadata)
    kept = api.observations_from_arrays(obs.log_probs, obs.masks, obs.labels,
                                        metadata=_nested(100))
    kept.save(tmp_path / "o.npz")
    assert api.load_observations(tmp_path / "o.npz").metadata == kept.metadata


# -- 6. api.audit on observations built directly ------------------------------------------------

LEAN = ["attack.bootstrap=0", "~attack.attacks.shokri"]


def test_audit_checks_observations_built_directly():
    # Observations(...) checks shapes only: NaN outputs gave a verdict from the attacks they
    # spared (loss at AUC 0.85 for LiRA's 0.99), 0/1 integer masks a raw ValueError
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    nan = obs.log_probs.copy()
    nan[1, 2, 0] = np.nan
    with pytest.raises(DataError, match=r"audit: observations: log_probs: NaN at \[1, 2, 0\]"):
        api.audit(Observations(log_probs=nan, labels=obs.labels, masks=obs.masks), overrides=LEAN)
    with pytest.raises(DataError, match="labels: dtype float64, expected integers"):
        api.audit(Observations(log_probs=obs.log_probs, labels=obs.labels.astype(float),
                               masks=obs.masks), overrides=LEAN)
    as_bool = api.audit(obs, overrides=LEAN).rows()
    as_int = api.audit(Observations(log_probs=obs.log_probs, labels=obs.labels,
                                    masks=obs.masks.astype(int)), overrides=LEAN).rows()
    figures = [{k: v for k, v in row.items() if k == "attack" or k.startswith(("auc", "tpr@"))}
               for row in as_int]
    assert figures and all(len(f) > 2 for f in figures)
    expected = [{k: row[k] for k in f} for f, row in zip(figures, as_bool, strict=True)]
    np.testing.assert_equal(figures, expected)


# -- 7. mia-report: a run's .npz whose header claims a huge shape -------------------------------

def _forge_shape(path, name: str, shape: tuple[int, ...]) -> None:
    """Rewrite the header of ``name`` in the .npz ``path`` to claim ``shape`` (same length)."""
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    with zipfile.ZipFile(path, "w") as archive:
        for key, value in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, value)
            raw = buffer.getvalue()
            if key == name:
                end = raw.index(b"\n") + 1
                header = raw[:end].decode("latin1").replace(str(value.shape), str(shape))
                header = header.rstrip(" \n")
                raw = (header + " " * (end - len(header) - 1) + "\n").encode("latin1") + raw[end:]
            archive.writestr(f"{key}.npy", raw)


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_run_npz_claiming_a_huge_shape_is_named_not_allocated(tmp_path, caplog):
    # the report checked the entry's inflated size, not its header: numpy allocated the
    # claimed (10**12,) masks first, a raw MemoryError traceback of 931 GiB
    root = two_run_sweep(tmp_path / "sweep", ("a", "b"))
    _forge_shape(root / "a" / "observations.npz", "masks", (100000, 10000000))
    with caplog.at_level(logging.WARNING):
        assert report_main([str(root), "--out", str(tmp_path / "out"), "--no-tensorboard"]) == 0
    assert "no ROC curve for a" in caplog.text
    assert "array 'masks' claims shape (100000, 10000000)" in caplog.text
    assert (tmp_path / "out" / "roc.png").is_file()  # from the other run


def _edit_arrays(path, **changes) -> None:
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    np.savez(path, **{k: changes[k](v) if k in changes else v for k, v in arrays.items()})


EDITS = {  # a run's scores.npz or observations.npz edited by hand, or of another run
    "target beyond K": ("scores.npz", "targets", lambda t: np.full_like(t, 99), "targets must"),
    "target -1": ("scores.npz", "targets", lambda t: np.full_like(t, -1), "targets must"),
    "scores of another N": ("scores.npz", "scores/lira", lambda s: s[:, :5], "has shape (2, 5)"),
    "masks of no shape": ("observations.npz", "masks", lambda m: np.array(True), "masks has shape"),
}


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_a_runs_score_files_that_do_not_fit_together_cost_only_its_roc_curve(
        tmp_path, caplog, edit):
    # the ROC curve of each run's strongest attack indexed masks[targets] unchecked: an
    # IndexError or ValueError traceback ended mia-report, and a target -1 drew the curve
    # against the last model's masks
    file, name, change, message = EDITS[edit]
    root = two_run_sweep(tmp_path / "sweep", ("a", "b"))
    _edit_arrays(root / "a" / file, **{name: change})
    with caplog.at_level(logging.WARNING):
        assert report_main([str(root), "--out", str(tmp_path / "out"), "--no-tensorboard"]) == 0
    assert "no ROC curve for a" in caplog.text
    assert message in caplog.text
    assert (tmp_path / "out" / "roc.png").is_file()


@pytest.mark.parametrize("flag", ["no", "false", 0, None])
def test_a_loaders_flag_that_is_no_boolean_is_named(tmp_path, flag):
    # standardize='no' standardised the features (a non-empty string is true)
    npz, csv = tmp_path / "d.npz", tmp_path / "d.csv"
    np.savez(npz, x=np.arange(40.0).reshape(20, 2), y=np.arange(20) % 2)
    csv.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    loaders = {
        "standardize": [lambda: load_npz(path=npz, standardize=flag),
                        lambda: load_digits(standardize=flag),
                        lambda: load_breast_cancer(standardize=flag),
                        lambda: load_csv(path=csv, label_column="y", standardize=flag)],
        "normalize": [lambda: load_mnist(path=tmp_path, normalize=flag),
                      lambda: load_cifar10(path=tmp_path, normalize=flag)],
    }
    for key, calls in loaders.items():
        message = rf"dataset.{key}={flag!r}: must be true or false"
        for load in calls:
            with pytest.raises(ConfigError, match=message):
                load()


# -- 8. observations files: extra arrays of any name are copied ---------------------------------

def test_extra_arrays_named_like_savez_parameters_are_copied(tmp_path):
    # mia-attack copies a file's extra arrays into its run: one named 'file' was a raw
    # TypeError (savez_compressed's first parameter) once the attack had run, and one named
    # 'allow_pickle' was taken as that flag and dropped
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    source, copy = tmp_path / "in.npz", tmp_path / "out.npz"
    fields = {"log_probs": obs.log_probs, "masks": obs.masks, "labels": obs.labels,
              "schema_version": np.array(2), "file": np.arange(3),
              "allow_pickle": np.array([False])}  # fmt: skip
    with zipfile.ZipFile(source, "w") as archive:
        for name, value in fields.items():
            buffer = io.BytesIO()
            np.save(buffer, value)
            archive.writestr(f"{name}.npy", buffer.getvalue())
    loaded, extras = load_file(source)
    assert sorted(extras) == ["allow_pickle", "file"]
    loaded.save(copy, **extras)
    again, copied = load_file(copy)
    np.testing.assert_equal(copied, extras)
    np.testing.assert_array_equal(again.log_probs, obs.log_probs)


# -- 9. CSV columns with a large offset: standardised without losing their digits -------------

def test_csv_numbers_beyond_float32_digits_keep_them_when_standardised(tmp_path):
    # the values became float32 (24 bits) before they were standardised: dates written as
    # 20240101 lost their odd days, timestamps 1.7e9 + seconds became one constant feature
    days = 20240101 + np.arange(40)
    seconds = 1_700_000_000 + np.arange(40)
    path = tmp_path / "d.csv"
    path.write_text("day,time,y\n" + "".join(
        f"{d},{t},{i % 2}\n" for i, (d, t) in enumerate(zip(days, seconds, strict=True))))
    x = load_csv(path=path, label_column="y").x
    for j, column in enumerate((days, seconds)):
        expected = (column - column.mean()) / column.std()
        np.testing.assert_allclose(x[:, j], expected, atol=1e-5)
    assert len(np.unique(x[:, 0])) == 40


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/null"])
def test_a_store_lock_that_is_no_regular_file_is_named(tmp_path, kind):
    # the lock was opened and truncated as a file: a raw OSError (EINVAL) from ftruncate
    store, digest = ModelStore(tmp_path / "store"), "1" * 64
    store.root.mkdir()
    lock = store.root / f"{digest}.lock"
    os.mkfifo(lock) if kind == "fifo" else lock.symlink_to("/dev/null")
    with pytest.raises(DataError, match=rf"model store lock {lock}: .* not a regular file; "
                                        "delete it"):
        store.train_once((digest, {}), lambda: None, checkpoint_dir=tmp_path / "ckpt",
                         fingerprint="f", num_models=2, stage="model")
