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


def test_mia_attack_refuses_a_path_and_a_source_override_together(tmp_path):
    # PATH won and the source= the user typed was dropped without a word
    from tests.helpers import mia_attack, synthetic_observations

    for name in ("a.npz", "b.npz"):
        synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / name)
    done = mia_attack("a.npz", "source=b.npz", "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2
    assert "ConfigError: PATH a.npz and source=b.npz: two sources; give one" in done.stderr
    assert not (tmp_path / "out").exists()


def test_mia_attack_says_when_a_file_flags_canaries(tmp_path):
    # the file's is_canary decides which records the headline leaves out: that was silent
    import numpy as np

    from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations

    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    flags = np.zeros(40, dtype=bool)
    flags[:5] = True
    obs.save(tmp_path / "o.npz", is_canary=flags)
    done = mia_attack("o.npz", *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WARNING" in done.stderr
    assert "o.npz flags 5 of its 40 records as canaries (is_canary)" in done.stderr
