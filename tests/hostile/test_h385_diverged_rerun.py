"""h385: a sweep's point whose training diverged was trained again on every rerun of the
same sweep (``mia-train -m train.lr=0.01,1e30 plan.num_models=2 train.epochs=2
hydra.sweep.dir=D``, run twice: 'status 'diverged', running it again', then the same
divergence), though its results.json said it diverged, of the same config and data: a
diverged run is an outcome, as a complete one is. A diverged record now carries the code's
digest, and a rerun under the same code on the same data skips it, saying it diverged (the
sweep lists it as before, exit 2); under other code (a fix) it is trained again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mia_defense.code_digest import code_digest
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import finished_run, mark_run

CONFIG = {"seed": 0, "train": {"lr": 1e30}}
REASON = {"reason": "model 1: the loss became non-finite by epoch 1"}


@pytest.mark.parametrize(("code", "fingerprint", "skipped"), [
    (None, "abc", True),  # this code, this data: diverges again
    ("0" * 64, "abc", False),  # other code (a fix, maybe): trained again
    (None, "other", False),  # other data
    ("absent", "abc", False),  # a record of before the digest: trained again, as before
])  # fmt: skip
def test_a_diverged_run_of_the_same_code_and_data_is_finished(tmp_path, code, fingerprint,
                                                              skipped):
    versions = {} if code == "absent" else {"versions": {"code": code or code_digest(CONFIG)}}
    mark_run(tmp_path, status="diverged", diverged=REASON, config=CONFIG,
             data_fingerprint=fingerprint, **versions)  # fmt: skip
    payload = finished_run(tmp_path, config=CONFIG, data_fingerprint="abc")
    if skipped:
        assert payload is not None and payload["status"] == "diverged"
        assert payload["diverged"] == REASON
    else:
        assert payload is None


MIA_TRAIN = str(Path(sys.executable).parent / "mia-train")
TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip


@pytest.mark.slow  # (two tiny sweeps in subprocesses: about 8 s)
def test_a_rerun_of_a_sweep_skips_its_diverged_point_and_says_so(tmp_path):
    sweep = tmp_path / "sweep"
    command = [MIA_TRAIN, "-m", "train.lr=1e30", *TINY, f"hydra.sweep.dir={sweep}"]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                           timeout=300, check=False)  # fmt: skip
    assert first.returncode == 2, first.stderr[-3000:]
    (results,) = sweep.glob("*/results.json")
    assert read_json(results)["status"] == "diverged"
    written = results.stat().st_mtime_ns, results.stat().st_ino
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                           timeout=300, check=False)  # fmt: skip
    assert again.returncode == 2, again.stderr[-3000:]
    assert "running it again" not in again.stderr
    assert "not trained again; delete that results.json to train it again" in again.stderr
    assert (results.stat().st_mtime_ns, results.stat().st_ino) == written  # (not rewritten)
    # listed as diverged, as the first time; not as refused
    assert "1 run(s) of this sweep diverged" in again.stdout, again.stdout
    assert "refused" not in again.stdout
