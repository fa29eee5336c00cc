"""Refusals that need no training code come before torch is imported: the user waits a
second, not the seconds torch and scikit-learn take to import."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
sys.argv = ["mia-train", *sys.argv[1:]]
from mia_defense.cli.train import main
try:
    main()
except SystemExit as exc:
    print("exit", exc.code, "torch" in sys.modules, flush=True)
"""


def test_a_sweep_into_a_run_directory_is_refused_without_importing_torch(tmp_path):
    # Hydra built the config-check callback first, whose module imports torch, sklearn and
    # the attacks: the refusal took 5.8 s of CPU
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "results.json").write_text("{}")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "-m", f"hydra.sweep.dir={tmp_path / 'run'}",
         "train.epochs=1,2"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == "exit 2 False", done.stderr[-2000:]
    assert "is a run's directory (it holds results.json)" in done.stderr
