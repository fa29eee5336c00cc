"""h445: hydra.run.dir holding a NUL byte (a config file's "r\\0x": the command line holds
none) was refused as 'hydra.run.dir=...: cannot be checked (ValueError: embedded null byte)',
Python's words; it says now what is wrong with the path, in `files.path_text_problem`'s
words (mia-attack's source's, home_expanded's)."""

from __future__ import annotations

import subprocess
import sys

from mia_defense.files import path_text_problem


def test_a_nul_in_hydra_run_dir_is_named(tmp_path):
    (tmp_path / "conf" / "mine").mkdir(parents=True)
    (tmp_path / "conf" / "mine" / "x.yaml").write_text(
        '# @package _global_\nhydra:\n  run:\n    dir: "r\\0x"\n')
    done = subprocess.run(
        [sys.executable, "-m", "mia_defense.cli.train", "--config-dir", str(tmp_path / "conf"),
         "+mine=x", "plan.num_models=2", "train.epochs=1", "progress=false"],
        capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr
    said = done.stderr.strip().splitlines()[-1]
    problem = path_text_problem("r\0x")
    assert said == (f"ConfigError: hydra.run.dir=$'r\\x00x': {problem}; "
                    "nothing was run. Point hydra.run.dir at a new or empty directory"), said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conf"]
