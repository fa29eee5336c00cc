"""h545: a config of one's own in a subfolder of --config-dir built on a packaged config
(f/sub/own.yaml = ``defaults: [/mia_attack, _self_]``, ``--config-name sub/own``) was refused
in Hydra's words: "In 'mia_attack': Could not override
'hydra/job_logging@sub.hydra.job_logging'; did you mean to override hydra/job_logging?".
Hydra puts such a primary config, and what it includes, under its folder's key; the refusal
now says so and what to write (`config_file_refusals.subfolder_primary_refusal`), and the
header it names makes the file run as one at --config-dir's top level does."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.constraints import shown_path
from tests.helpers import mia_attack, mia_train, synthetic_observations

_TOOLS = {"train": ("config", mia_train),
          "attack": ("mia_attack", lambda *a, cwd: mia_attack("o.npz", *a, cwd=cwd))}


def _own(tmp_path: Path, folder: str, text: str) -> Path:
    (tmp_path / "f" / folder).mkdir(parents=True)
    (tmp_path / "f" / folder / "own.yaml").write_text(text)
    synthetic_observations(num_models=4, num_samples=40, num_classes=3).save(tmp_path / "o.npz")
    return tmp_path / "f" / folder / "own.yaml"


@pytest.mark.parametrize("args", [(), ("-m", "seed=1,2")], ids=["run", "sweep"])
@pytest.mark.parametrize("folder", ["sub", "a/b"])
@pytest.mark.parametrize("tool", sorted(_TOOLS))
def test_a_subfolder_config_on_a_packaged_one_is_told_what_to_write(tmp_path, tool, folder,
                                                                    args):
    base, run = _TOOLS[tool]
    file = _own(tmp_path, folder, f"defaults: [/{base}, _self_]\n")
    done = run("--config-dir", "f", "--config-name", f"{folder}/own", *args,
               f"hydra.run.dir={tmp_path / 'run'}", f"hydra.sweep.dir={tmp_path / 'run'}",
               cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    said, shown, package = lines[0], shown_path(str(file)), folder.replace("/", ".")
    assert "Could not override" not in said and "did you mean" not in said, said
    assert said.startswith(f"ConfigError: {shown} is in the folder {folder} of --config-dir, "
                           f"so Hydra puts its keys and what its defaults list includes under "
                           f"{package} ({base}'s choice of hydra/job_logging became "
                           f"{package}.hydra.job_logging"), said
    assert f"Write '# @package _global_' as the first line of {shown}" in said, said
    assert "nothing was run" in said and not (tmp_path / "run").exists(), said


@pytest.mark.parametrize("tool", sorted(_TOOLS))
def test_the_header_it_names_composes_the_files_keys_at_the_top(tmp_path, tool):
    base, run = _TOOLS[tool]
    _own(tmp_path, "sub", f"# @package _global_\ndefaults: [/{base}, _self_]\nseed: 7\n")
    done = run("--config-dir", "f", "--config-name", "sub/own", "--cfg", "job", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "\nseed: 7\n" in f"\n{done.stdout}", done.stdout[-2000:]
