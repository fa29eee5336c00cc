"""Study 1's script (and study 2's, which runs it) passes its OVERRIDEs to every sweep,
before the sweep's own values. An override of a key one of its sweeps sets (defense=[dp])
was dropped by those sweeps (a value, then a sweep: mia-train keeps the sweep without a
word) and kept by the others: the report mixed undefended training rows with DP-SGD under
the five releases. It is now refused before anything runs. The tools are stand-ins."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.test_study_script import REPO, stand_in_tools


@pytest.mark.parametrize("script", ["digits_tradeoff/run.sh", "purchase_tradeoff/run.sh"])
@pytest.mark.parametrize(
    "override", ["defense=[dp]", "release=label_only", "defense.dp.target_epsilon=2", "~defense",
                 "+release=noise"],
)  # fmt: skip
def test_an_override_of_a_key_the_study_sweeps_is_refused_before_anything_runs(
    tmp_path, script, override
):
    bin_dir, calls = stand_in_tools(tmp_path, tools=("mia-train", "mia-report"))
    env = {**os.environ, "BIN": str(bin_dir), "CALLS": str(calls), "RECORD": "0"}
    root = tmp_path / "root"
    done = subprocess.run(
        ["bash", str(REPO / "experiments" / script), str(root), "train.epochs=1", override],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    key = override.lstrip("~+").split("=")[0]
    assert f"{override}: the study sweeps {key} itself" in done.stderr
    assert "nothing was run" in done.stderr
    assert not list(calls.iterdir()) and not root.exists()


def test_an_override_of_another_key_reaches_every_sweep(tmp_path):
    bin_dir, calls = stand_in_tools(tmp_path, tools=("mia-train", "mia-report"))
    env = {**os.environ, "BIN": str(bin_dir), "CALLS": str(calls), "RECORD": "0"}
    done = subprocess.run(
        ["bash", str(REPO / "experiments/digits_tradeoff/run.sh"), str(tmp_path / "root"),
         "defense.relaxloss.alpha=1", "release.k=2"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    argvs = [Path(p).read_text().split("\037")[:-1] for p in calls.iterdir()]
    sweeps = [argv for argv in argvs if argv[:2] == ["mia-train", "-m"]]  # (not h477's check)
    assert len(sweeps) == 4
    assert all({"defense.relaxloss.alpha=1", "release.k=2"} <= set(argv) for argv in sweeps)
