"""The model store (issue 19, point 4): sweep points that train the same models take them
from the store; an entry is keyed on all that determines the weights, written atomically
under a lock, and never trusted when its checksum fails."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from mia_defense.cli.build import build_experiment, run
from mia_defense.config import check_config
from mia_defense.errors import ConfigError, DataError
from mia_defense.store import STORE_SCHEMA, ModelStore, store_key
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import config_differences
from mia_defense.training import ensemble as ensemble_module
from mia_defense.training.checkpoints import checkpoint_path, load_checkpoint
from tests.helpers import LEAN_ATTACKS
from tests.helpers import mia_train as in_process
from tests.scale.sweeps import TINY, assert_same_results, computed, runs

# The runs below check what the store reuses and that reused models give the numbers trained
# ones give: the attack stage's extras (augmented queries, the white-box attack, Shokri) are
# neither keyed on nor stored, so they are left out (the loss/LiRA/RMIA scores still compare).
LEAN = (*TINY, *LEAN_ATTACKS)

CONFIG = {
    "dataset": {"_target_": "digits"},
    "model": {"hidden": [64]},
    "plan": {"num_models": 2},
    "train": {"epochs": 1, "threads": 1},
    "defense": {"dp": {"noise_multiplier": 1.0}},
    "release": {"_target_": "topk"},
    "attack": {"bootstrap": 0, "shadow_recipe": "same"},
    "seed": 0,
    "cache_dir": "/a",
}


def _key(config=CONFIG, *, data="d0", stage="model", defended=True) -> str:
    return store_key(config, data=data, stage=stage, defended=defended)[0]


def _with(**changes) -> dict:
    return {**CONFIG, **changes}


def test_the_key_follows_what_determines_the_weights_and_nothing_else():
    base = _key()
    changed = [
        _key(data="d1"),
        _key(stage="undefended"),
        _key(_with(model={"hidden": [32]})),
        _key(_with(plan={"num_models": 4})),
        _key(_with(train={"epochs": 2, "threads": 1})),
        _key(_with(train={"epochs": 1, "threads": 2})),  # threads change the rounding
        _key(_with(defense={"dp": {"noise_multiplier": 2.0}})),
        _key(_with(seed=1)),
        _key(_with(attack={"canaries": {"num": 4}})),
    ]
    assert base not in changed and len(set(changed)) == len(changed)
    same = [
        _key(_with(release={"_target_": "full"})),
        _key(_with(attack={"bootstrap": 200, "shadow_recipe": "undefended"})),
        _key(_with(cache_dir="/b", progress=False)),
    ]
    assert same == [base] * 3
    # an undefended ensemble is the same whatever defense the run's targets carry
    undefended = {_key(_with(defense=d), defended=False) for d in ({}, {"mixup": {}})}
    assert len(undefended) == 1 and _key(defended=False) in undefended
    assert store_key({}, data="d0", stage="model", defended=True) is None
    parts = store_key(CONFIG, data="d0", stage="model", defended=True)[1]
    assert parts["schema"] == STORE_SCHEMA and parts["torch"] == torch.__version__


def test_the_key_follows_the_source_of_the_code_it_names(tmp_path, monkeypatch):
    # editing your own model (or defense, or train.fit) must train again: the weights of the
    # old code would otherwise be attacked as the new model's
    (tmp_path / "usernet_store_probe.py").write_text("ACTIVATION = 'relu'\nclass Net: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    custom = _with(model={"_target_": "usernet_store_probe.Net"})
    before = _key(custom)
    assert _key(custom) == before
    (tmp_path / "usernet_store_probe.py").write_text("ACTIVATION = 'tanh'\nclass Net: ...\n")
    edited = _key(custom)
    assert edited != before
    # a training function under train, a defense's own class: followed the same way
    fit = _with(train={"epochs": 1, "fit": {"_target_": "usernet_store_probe.fit"}})
    parts = store_key(fit, data="d0", stage="model", defended=True)[1]
    assert set(parts["code"]) == {"mia_defense", "usernet_store_probe.fit"}
    # a target that cannot be imported here still gives a key (the run fails on it anyway)
    assert _key(_with(model={"_target_": "no_such_module_anywhere.Net"})) not in (before, edited)
    # a class its package re-exports is followed to the file that defines it
    package = tmp_path / "userpkg_store_probe"
    package.mkdir()
    (package / "__init__.py").write_text("from .net import Net\n")
    (package / "net.py").write_text("class Net:\n    act = 'relu'\n")
    reexported = _with(model={"_target_": "userpkg_store_probe.Net"})
    first = _key(reexported)
    (package / "net.py").write_text("class Net:\n    act = 'tanh'\n")
    assert _key(reexported) != first
    # this package's own sources are part of every key
    assert len(store_key(CONFIG, data="d0", stage="model", defended=True)[1]["code"]) == 1


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_run_reuses_the_models_of_a_run_that_differs_in_release_or_attack_only(
    make_cfg, tmp_path, caplog, monkeypatch
):
    store = tmp_path / "store"
    chunks = []  # every chunk the engine trains
    train_chunk = ensemble_module.train_chunk
    monkeypatch.setattr(ensemble_module, "train_chunk", lambda models, **kw: (
        chunks.append(len(models)) or train_chunk(models, **kw)))
    first = run(make_cfg(*LEAN, f"cache_dir={store}"), tmp_path / "full")
    assert first.training["reused"] == 0 and first.training["store"]["dir"] == str(store)
    entries = sorted(store.glob("*.pt"))
    assert len(entries) == 1 and chunks == [2]
    before = entries[0].stat().st_mtime_ns
    caplog.set_level(logging.INFO, logger="mia_defense.store")
    for name, overrides in {
        "topk": ["release=topk"],
        "attacks": ["attack.fprs=[0.01,0.1]", "attack.num_targets=1"],
    }.items():
        result = run(make_cfg(*LEAN, f"cache_dir={store}", *overrides), tmp_path / name)
        assert result.training["reused"] == 2, name
        assert result.training["store"]["stages"]["model"]["reused"] is True
        assert chunks == [2], name  # nothing trained again
        assert f"reused 2 target models from {entries[0]}" in caplog.text
        # the run's own checkpoints hold the very weights the first run trained
        for k in range(2):
            mine = load_checkpoint(checkpoint_path(tmp_path / name / "checkpoints", k))
            theirs = load_checkpoint(checkpoint_path(tmp_path / "full" / "checkpoints", k))
            for key, value in theirs["state_dict"].items():
                assert torch.equal(mine["state_dict"][key], value)
            assert mine["history"] == theirs["history"]
    assert sorted(store.glob("*.pt")) == entries and entries[0].stat().st_mtime_ns == before
    # reused models give the numbers trained ones give
    alone = run(make_cfg(*LEAN, "release=topk", "cache_dir=null"), tmp_path / "alone")
    assert alone.training == {**alone.training, "reused": 0, "store": None}
    assert computed(tmp_path / "alone") == computed(tmp_path / "topk")


def test_undefended_shadows_are_trained_once_for_every_defense(make_cfg, tmp_path):
    store = tmp_path / "store"
    naive = [*LEAN, f"cache_dir={store}", "attack.shadow_recipe=undefended"]
    first = run(make_cfg(*naive, "defense=label_smoothing"), tmp_path / "ls")
    second = run(make_cfg(*naive, "defense=weight_decay"), tmp_path / "wd")
    assert {s: v["reused"] for s, v in first.training["store"]["stages"].items()} == {
        "model": False, "undefended": False}  # fmt: skip
    assert {s: v["reused"] for s, v in second.training["store"]["stages"].items()} == {
        "model": False, "undefended": True}  # fmt: skip
    assert second.training["reused"] == 2 and len(list(store.glob("*.pt"))) == 3


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_corrupt_entry_is_trained_again_never_used(make_cfg, tmp_path, caplog):
    store = tmp_path / "store"
    cfg = make_cfg(*LEAN, f"cache_dir={store}")
    run(cfg, tmp_path / "a")
    (entry,) = store.glob("*.pt")
    good = entry.read_bytes()
    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    for i, (name, damage) in enumerate({
        "flipped": lambda raw: raw[:-100] + bytes([raw[-100] ^ 1]) + raw[-99:],
        "truncated": lambda raw: raw[: len(raw) // 2],
    }.items()):
        entry.write_bytes(damage(good))
        result = run(cfg, tmp_path / name)
        assert result.training["reused"] == 0, name
        assert caplog.text.count("sha256 differs from the one in its manifest") == i + 1
        assert entry.read_bytes() == good  # trained again, stored again: the same bytes
    assert computed(tmp_path / "flipped") == computed(tmp_path / "a")
    # a manifest that lies about the file is caught by the checks of its contents
    manifest = entry.with_suffix(".json")
    meta = json.loads(manifest.read_text())
    torch.save({"schema": STORE_SCHEMA, "key": meta["key"], "models": []}, entry)
    manifest.write_text(json.dumps({**meta, "sha256": __import__("hashlib").sha256(
        entry.read_bytes()).hexdigest()}))  # fmt: skip
    assert run(cfg, tmp_path / "empty").training["reused"] == 0
    assert "it holds 0 models, not 2" in caplog.text
    # weights without a manifest are an unfinished write: trained again, silently
    manifest.unlink()
    assert run(cfg, tmp_path / "unfinished").training["reused"] == 0
    assert run(cfg, tmp_path / "again").training["reused"] == 2


def test_a_store_that_cannot_be_written_is_named_with_the_fix(make_cfg, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DataError, match=(
        rf"cache_dir={blocker}: cannot use it as the model store \(.*\); point cache_dir at "
        r"a writable directory, or set cache_dir=null"
    )):  # fmt: skip
        run(make_cfg(*LEAN, f"cache_dir={blocker}"), tmp_path / "run")
    assert blocker.read_text() == "not a directory"


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_cache_dir_does_not_make_another_run_and_defaults_off_outside_a_sweep(make_cfg):
    cfg = make_cfg()
    assert cfg.cache_dir == "auto" and build_experiment(cfg).cache_dir is None  # not a sweep
    for off in ("null", "false"):
        assert build_experiment(make_cfg(f"cache_dir={off}")).cache_dir is None
    assert build_experiment(make_cfg("cache_dir=/s")).cache_dir == Path("/s")
    for bad in ("5", "true"):
        with pytest.raises(ConfigError, match=(
            rf"cache_dir={bad}: must be a path, or null or false \(off\) \(the model "
            r"store's directory; auto: <sweep dir>/.model_store in a multirun\)"
        )):  # fmt: skip
            check_config(make_cfg(f"cache_dir={bad}"))
    old, new = {"cache_dir": "/a", "seed": 0}, {"cache_dir": None, "seed": 0}
    assert config_differences(old, new) == []


# -- concurrent workers ----------------------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import torch
    from mia_defense.training.checkpoints import checkpoint_path, save_checkpoint
    from mia_defense.training.loop import Ensemble
    from mia_defense.store import ModelStore

    root, out, trainings = map(Path, sys.argv[1:4])
    pause = float(sys.argv[4])

    def train():  # as train_ensemble: trains only what is not saved yet
        if checkpoint_path(out, 1).exists():
            return Ensemble(models=[], histories=[])
        with trainings.open("a") as f:
            f.write("x")
        time.sleep(pause)
        for k in range(2):
            save_checkpoint(checkpoint_path(out, k), {
                "state_dict": {"w": torch.full((3,), float(k))},
                "history": {"epochs": [[1, 0.5, 0.5, 0.5, 0.5]], "stats": {}},
                "fingerprint": "f"})
        return Ensemble(models=[], histories=[])

    store = ModelStore(root)
    store.train_once(("k" * 64, {}), train, checkpoint_dir=out, fingerprint="f",
                     num_models=2, stage="model")
    print("reused" if store.reused else "trained", flush=True)
    """
)


def _worker(tmp_path: Path, name: str, *, pause: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(tmp_path / "store"), str(tmp_path / name),
         str(tmp_path / "trainings"), str(pause)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.slow  # three processes importing torch at once (~8 s, and the other worker's CPU)
def test_concurrent_workers_train_an_entry_once(tmp_path):
    workers = [_worker(tmp_path, f"w{i}", pause=1.5) for i in range(3)]
    done = [w.communicate(timeout=120) for w in workers]
    # (communicate closed the pipes: a failed worker's stderr is the one it returned)
    assert [w.returncode for w in workers] == [0, 0, 0], [err[-2000:] for _, err in done]
    assert sorted(out.strip() for out, _ in done) == ["reused", "reused", "trained"]
    assert (tmp_path / "trainings").read_text() == "x"
    for i in range(3):
        payload = load_checkpoint(checkpoint_path(tmp_path / f"w{i}", 1), fingerprint="f")
        assert torch.equal(payload["state_dict"]["w"], torch.ones(3))


def _read_or_empty(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@pytest.mark.slow  # two processes of their own, one killed (~5 s)
def test_a_worker_killed_while_training_leaves_no_entry_and_no_lock(tmp_path):
    victim = _worker(tmp_path, "victim", pause=60)
    deadline = time.monotonic() + 60
    # its mark written, not only the file created: a kill between open() and write() left
    # an empty file, and the survivor's "x" alone failed the test below now and then
    while not _read_or_empty(tmp_path / "trainings") and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert list((tmp_path / "store").glob("*.pt")) == []
    survivor = _worker(tmp_path, "survivor", pause=0)
    assert survivor.communicate(timeout=60)[0].strip() == "trained"
    assert (tmp_path / "trainings").read_text() == "xx"
    store = ModelStore(tmp_path / "store")
    assert store._read("k" * 64, num_models=2) is not None


# -- a sweep through mia-train ---------------------------------------------------------------


@pytest.mark.slow  # ~6 s: two sweeps of three runs through mia-train, one without the store
def test_a_release_sweep_trains_once_and_says_what_it_reused(make_cfg, tmp_path):
    sweep = tmp_path / "sweep"
    done = in_process("-m", *LEAN, "release=full,topk,label_only", f"hydra.sweep.dir={sweep}",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    # Hydra's job config outlives the sweep in this process: a run elsewhere stays off
    assert build_experiment(make_cfg(), run_dir=tmp_path / "elsewhere").cache_dir is None
    store = sweep / ".model_store"
    (entry,) = store.glob("*.pt")
    reused = {name: read_json(d / "results.json")["training"]["reused"]
              for name, d in runs(sweep).items()}  # fmt: skip
    assert sorted(reused.values()) == [0, 2, 2], reused
    assert done.stderr.count(f"reused 2 target models from {entry}") == 2
    # the same sweep without the store computes the same numbers (in this process too: no
    # interpreter start-up; a sweep's state outliving it would show as a difference here)
    off = tmp_path / "off"
    done = in_process("-m", *LEAN, "release=full,topk,label_only", "cache_dir=null",
                      f"hydra.sweep.dir={off}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (off / ".model_store").exists()
    assert_same_results(sweep, off)
