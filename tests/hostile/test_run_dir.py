"""A finished run is never lost or mixed; one writer per run directory; resume only onto the
same data (issue 14, items 1-3). Every case checks that no file of the earlier run changed."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from mia_defense.cli.train import run
from mia_defense.errors import ConfigError, DataError
from mia_defense.files import atomic_write
from mia_defense.tracking import read_json, write_json
from mia_defense.tracking.run_dir import (
    claim_run_dir,
    config_differences,
    finished_run,
    mark_run,
)
from mia_defense.training.checkpoints import checkpoint_path, load_checkpoint, save_checkpoint
from tests.test_bad_inputs import FAST  # tiny and quick: no bootstrap, queries or Shokri


def snapshot(directory: Path) -> dict[str, str]:
    """Content hash of every file under ``directory`` (the lock file aside)."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture
def finished(fast_run) -> tuple[Path, dict]:
    """One complete tiny run (conftest's `fast_run`, TINY + FAST), shared read-only by the
    cases below (each copies it)."""
    return fast_run.run_dir, read_json(fast_run.run_dir / "results.json")


def copy_run(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target)
    return target


# -- 1. a finished run is never moved, overwritten or deleted ------------------------------


@pytest.mark.parametrize(
    "override",
    ["train.lr=0.5", "seed=1", "plan.num_models=6", "defense=dp", "release=topk",
     "attack.fprs=[0.1]"],
)
def test_another_config_is_refused_naming_the_key_and_nothing_changes(
    finished, tmp_path, make_cfg, override
):
    run_dir = copy_run(finished[0], tmp_path / "run")
    before = snapshot(run_dir)
    key = override.split("=")[0]
    with pytest.raises(ConfigError, match=rf"{run_dir} holds a complete run of another config "
                       rf"\(.*{key.split('.')[0]}.*\); nothing was changed"):
        run(make_cfg(*FAST, override), run_dir)
    assert snapshot(run_dir) == before
    assert not (run_dir / "stale").exists()


def test_an_invalid_config_is_refused_before_the_directory_is_touched(finished, tmp_path, make_cfg):
    run_dir = copy_run(finished[0], tmp_path / "run")
    before = snapshot(run_dir)
    with pytest.raises(ConfigError, match=r"train.lr"):
        run(make_cfg(*FAST, "train.lr=-1"), run_dir)
    assert snapshot(run_dir) == before
    assert not (run_dir / ".lock").exists() or (run_dir / ".lock").stat().st_size >= 0


def test_two_other_configs_in_a_row_leave_the_first_run_intact(finished, tmp_path, make_cfg):
    run_dir = copy_run(finished[0], tmp_path / "run")
    before = snapshot(run_dir)
    for override in ("train.lr=0.5", "train.lr=0.2"):
        with pytest.raises(ConfigError, match="holds a complete run of another config"):
            run(make_cfg(*FAST, override), run_dir)
    assert snapshot(run_dir) == before


def test_the_differing_keys_are_listed_old_to_new():
    old = {"train": {"lr": 0.001, "threads": 0}, "defense": {}, "seed": 0}
    new = {"train": {"lr": -1, "threads": 2}, "defense": {"dp": {"max_grad_norm": 1.0}}, "seed": 0}
    assert config_differences(old, new) == [
        'defense.dp.max_grad_norm: "(unset)" -> 1.0',
        "train.lr: 0.001 -> -1",
    ]


def test_the_same_defenses_in_another_order_are_another_config(tmp_path):
    """Defenses of equal order run their hooks in the config's order (two transforms of
    one's own, x*3 then x+1 or x+1 then x*3, train other models): a complete run of
    [a, b] was skipped as the finished run of [b, a], its figures returned as that one's."""
    a, b = {"_target_": "mine.Scale"}, {"_target_": "mine.Shift"}
    config = {"defense": {"a": a, "b": b}, "seed": 0}
    write_json(tmp_path / "results.json",
               {"schema_version": 1, "status": "complete", "config": config})  # fmt: skip
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match=r'holds a complete run of another config \(defense '
                                          r'order: \["a", "b"\] -> \["b", "a"\]\)'):
        finished_run(tmp_path, config={"defense": {"b": b, "a": a}, "seed": 0},
                     data_fingerprint=None)  # fmt: skip
    assert snapshot(tmp_path) == before
    assert finished_run(tmp_path, config=config, data_fingerprint=None) is not None


@pytest.mark.parametrize(
    "neutral",
    ["train.threads=1", "train.chunk_size=1", "train.eval_every=5", "progress=true",
     "train.device=auto"],
)
def test_keys_that_do_not_change_results_keep_a_finished_run(finished, make_cfg, neutral):
    from omegaconf import OmegaConf

    run_dir, payload = finished
    cfg = OmegaConf.to_container(make_cfg(*FAST, neutral), resolve=True)
    kept = finished_run(run_dir, config=cfg, data_fingerprint=payload["data_fingerprint"])
    assert kept is not None and kept["utility"] == payload["utility"]


def test_a_finished_run_on_other_data_is_refused(finished, tmp_path):
    run_dir, payload = finished
    with pytest.raises(ConfigError, match=r"complete run of this config on other data"):
        finished_run(run_dir, config=payload["config"], data_fingerprint="0" * 16)


@pytest.mark.parametrize("status", ["running", "interrupted", "diverged"])
def test_an_unfinished_run_of_another_config_is_refused_too(tmp_path, status):
    mark_run(tmp_path, status=status, config={"seed": 0}, data_fingerprint="a")
    before = snapshot(tmp_path)
    article = "an" if status == "interrupted" else "a"
    message = rf"holds {article} {status} run of another config \(seed: 0 -> 1"
    with pytest.raises(ConfigError, match=message):
        finished_run(tmp_path, config={"seed": 1}, data_fingerprint="a")
    assert snapshot(tmp_path) == before


def test_an_unfinished_run_of_the_same_config_resumes(tmp_path):
    mark_run(tmp_path, status="interrupted", config={"seed": 0}, data_fingerprint="a")
    assert finished_run(tmp_path, config={"seed": 0}, data_fingerprint="a") is None


def test_a_corrupt_results_json_is_run_again_with_a_warning(tmp_path, caplog):
    (tmp_path / "results.json").write_text('{"status": "compl')
    assert finished_run(tmp_path, config={}, data_fingerprint=None) is None
    assert "not valid JSON" in caplog.text


def test_mark_run_never_replaces_a_complete_results_json(tmp_path):
    write_json(tmp_path / "results.json", {"status": "complete", "config": {}})
    mark_run(tmp_path, status="running", config={"seed": 5}, data_fingerprint=None)
    assert read_json(tmp_path / "results.json") == {"status": "complete", "config": {}}


def test_the_source_never_removes_a_directory_tree():
    package = Path(__file__).resolve().parents[2] / "mia_defense"
    offenders = [p for p in package.rglob("*.py") if "rmtree" in p.read_text()]
    assert offenders == []


# -- 2. one writer per run directory -------------------------------------------------------


def test_a_second_writer_is_refused_naming_the_holder(tmp_path):
    with claim_run_dir(tmp_path):
        with pytest.raises(ConfigError, match=rf"{tmp_path} is in use by pid \d+ on .* since "):
            with claim_run_dir(tmp_path):
                pass
    with claim_run_dir(tmp_path):  # released when the holder is done
        pass


def test_a_linked_tensorboard_folder_is_refused_and_its_events_kept(tmp_path, make_cfg):
    """A run's ``tb`` linked to a shared TensorBoard folder: the run replaces the event
    files in its ``tb`` (an earlier attempt's), so it deleted every run's events there.
    Now the run is refused before anything is trained or removed (and so is a ``tb`` that
    is a file)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    other = shared / "events.out.tfevents.1.host.1.0"
    other.write_bytes(b"another run's events")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "tb").symlink_to(shared, target_is_directory=True)
    with pytest.raises(DataError, match=r"tb: a link to .*shared, where the run writes its own "
                                         r"TensorBoard events .* nothing was changed"):
        run(make_cfg(*FAST), run_dir)
    assert other.read_bytes() == b"another run's events"
    assert not (run_dir / "results.json").exists()
    (run_dir / "tb").unlink()
    (run_dir / "tb").write_text("not a folder")
    with pytest.raises(DataError, match="tb: not a folder"), claim_run_dir(run_dir):
        pass


def test_a_busy_directory_is_refused_before_any_file_changes(finished, tmp_path, make_cfg):
    run_dir = copy_run(finished[0], tmp_path / "run")
    before = snapshot(run_dir)
    with claim_run_dir(run_dir), pytest.raises(ConfigError, match="is in use by"):
        run(make_cfg(*FAST), run_dir)
    assert snapshot(run_dir) == before


def test_concurrent_writers_of_one_file_never_collide_on_the_temporary_name(tmp_path):
    target = tmp_path / "observations.json"
    errors: list[BaseException] = []

    def writer(value: int) -> None:
        try:
            for _ in range(30):
                write_json(target, {"value": value, "pad": list(range(200))})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(v,)) for v in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert read_json(target)["value"] in (0, 1, 2)
    assert [p.name for p in tmp_path.iterdir()] == ["observations.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old")

    def broken(handle) -> None:
        handle.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(DataError, match=rf"{target}: cannot write it \(No space left on device\)"):
        atomic_write(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_a_file_where_a_directory_should_be_is_a_data_error(tmp_path):
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(DataError, match=r"blocker/results.json: cannot write it"):
        write_json(tmp_path / "blocker" / "results.json", {})
    with pytest.raises(DataError, match=r"blocker/run: cannot use it as the run directory"):
        with claim_run_dir(tmp_path / "blocker" / "run"):
            pass


# -- 3. resume only onto the same data -----------------------------------------------------


def write_csv(path: Path, rows: np.ndarray) -> None:
    lines = ["a,b,c,d,label"] + [",".join(f"{v:g}" for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def csv_rows(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(240, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    return np.column_stack([x, y])


CSV = ["dataset=csv", "dataset.label_column=label", "plan.population_size=120",
       "train.batch_size=16"]


def test_shuffled_rows_are_not_resumed_onto_old_checkpoints(tmp_path, make_cfg):
    rows = csv_rows()
    data = tmp_path / "data.csv"
    write_csv(data, rows)
    run_dir = tmp_path / "run"
    cfg = make_cfg(*FAST, *CSV, f"dataset.path={data}")
    run(cfg, run_dir)
    (run_dir / "results.json").unlink()  # as if interrupted after training
    checkpoints = snapshot(run_dir / "checkpoints")
    write_csv(data, rows[np.random.default_rng(1).permutation(len(rows))])
    with pytest.raises(DataError, match=r"trained with a different config or on different data"):
        run(make_cfg(*FAST, *CSV, f"dataset.path={data}"), run_dir)
    assert snapshot(run_dir / "checkpoints") == checkpoints


def test_a_finished_run_is_refused_when_its_data_file_changed(tmp_path, make_cfg):
    rows = csv_rows()
    data = tmp_path / "data.csv"
    write_csv(data, rows)
    run_dir = tmp_path / "run"
    run(make_cfg(*FAST, *CSV, f"dataset.path={data}"), run_dir)
    before = snapshot(run_dir)
    rows[0, 0] += 1.0  # one value of one record
    write_csv(data, rows)
    with pytest.raises(ConfigError, match=r"on other data .*the data files changed"):
        run(make_cfg(*FAST, *CSV, f"dataset.path={data}"), run_dir)
    assert snapshot(run_dir) == before


def good_checkpoint() -> dict:
    return {
        "state_dict": {"weight": torch.ones(2, 2)},
        "history": {"epochs": [], "stats": {}, "epoch_stats": []},
        "fingerprint": "f",
    }


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p["state_dict"].update(weight=torch.tensor([[float("nan"), 0.0]])),
         r"holds non-finite weights \(weight\): the model diverged"),
        (lambda p: p["state_dict"].update(weight=torch.tensor([float("inf")])),
         r"holds non-finite weights"),
        (lambda p: p.pop("history"), r"lacks 'history'"),
        (lambda p: p.pop("fingerprint"), r"lacks 'fingerprint'"),
        (lambda p: p.update(state_dict={"weight": [1, 2]}), r"has a malformed 'state_dict'"),
        (lambda p: p.update(history={"epochs": "x"}), r"has a malformed 'history'"),
    ],
)
def test_a_broken_checkpoint_is_refused_naming_the_file(tmp_path, edit, message):
    payload = good_checkpoint()
    edit(payload)
    path = checkpoint_path(tmp_path, 0)
    save_checkpoint(path, payload)
    with pytest.raises(DataError, match=rf"checkpoint {path} {message}.*delete it to retrain"):
        load_checkpoint(path, fingerprint="f")


def test_a_checkpoint_of_another_architecture_is_refused(finished, tmp_path, make_cfg):
    run_dir = tmp_path / "run"
    cfg = make_cfg(*FAST)
    run(cfg, run_dir)
    results = json.loads((run_dir / "results.json").read_text())
    (run_dir / "results.json").unlink()
    path = checkpoint_path(run_dir / "checkpoints", 0)
    payload = torch.load(path, weights_only=True)
    payload["state_dict"] = {k: v[..., :1] for k, v in payload["state_dict"].items()}
    save_checkpoint(path, payload)
    with pytest.raises(DataError, match=rf"checkpoint {path} does not fit this model"):
        run(cfg, run_dir)
    assert results["status"] == "complete"


def test_a_foreign_results_json_is_refused_not_overwritten(tmp_path):
    (tmp_path / "results.json").write_text('{"status": "complete", "config": 5}')
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match=r"is not the results of a mia-train run \(it holds no "
                       r"config\); nothing was changed"):
        finished_run(tmp_path, config={"seed": 0}, data_fingerprint=None)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_results_json_that_is_not_a_file_is_never_read(tmp_path, caplog, kind):
    path = tmp_path / "results.json"
    os.mkfifo(path) if kind == "fifo" else path.mkdir()  # reading a FIFO would block forever
    assert finished_run(tmp_path, config={}, data_fingerprint=None) is None
    assert f"{path}: not a regular file" in caplog.text
    with pytest.raises(DataError, match=rf"{path}: not a regular file"):
        read_json(path)


def test_atomic_write_syncs_the_data_before_the_rename_and_the_rename_after(
    tmp_path, monkeypatch
):
    """A power cut after the rename must not leave an empty results.json (ext4 may commit a
    rename before the file's data unless the data are synced first)."""
    import os

    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "fsync file")
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    atomic_write(tmp_path / "results.json", lambda handle: handle.write(b"{}"))
    assert events == ["fsync file", "rename", "fsync dir"]
    assert (tmp_path / "results.json").read_bytes() == b"{}"
