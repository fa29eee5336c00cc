"""h512: a config group of one's own that holds only subfolders (``g/sub/x.yaml``, named by
an entry ``- g: x`` or by ``+g=x``) was told it "holds no configs" without naming them, so
the entry meant (``- g/sub: x``) was left to guess. The refusal
(`mia_defense.missing_config_refusals.unknown_group_words`) now names the config groups it
holds and, where one holds a config of that name, the entry to write."""

from __future__ import annotations

from tests.helpers import mia_train
from tests.hostile.test_h506_defaults_list_unknown_group import _own, _refusal


def test_an_entry_of_a_group_holding_only_subfolders_names_the_one_meant(tmp_path):
    folder = _own(tmp_path / "conf", "  - g: x\n")
    (folder / "g" / "sub").mkdir(parents=True)
    (folder / "g" / "sub" / "x.yaml").write_text("a: 1\n")
    said = _refusal(tmp_path, folder)
    assert said == ("ConfigError: Could not find 'g/x': own's defaults list names the config "
                    "group 'g', which holds no configs, only the config group g/sub (its "
                    "subfolder) (did you mean '- g/sub: x'?); nothing was run. Write "
                    "'- g/sub: x' instead, add g/x.yaml or remove the entry"), said


def test_a_command_lines_group_holding_only_subfolders_names_them(tmp_path):
    folder = _own(tmp_path / "conf", "")
    for sub in ("one", "two"):
        (folder / "g" / sub).mkdir(parents=True)
        (folder / "g" / sub / "a.yaml").write_text("a: 1\n")
    done = mia_train("--config-dir", str(folder), "--config-name", "own", "+g=x",
                     f"hydra.run.dir={tmp_path / 'run'}", "progress=false", cwd=tmp_path)
    assert done.returncode == 2 and not (tmp_path / "run").exists(), done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == ["ConfigError: Could not find 'g/x': +g=x names the config group 'g', "
                     "which holds no configs, only the config groups g/one, g/two (its "
                     "subfolders); nothing was run. Name one of them with a config of its "
                     "own (+g/SUB=NAME), add g/x.yaml or drop it"], lines


def test_the_entry_the_refusal_offers_composes(tmp_path):
    folder = _own(tmp_path / "conf", "  - config\n  - g/sub: x\n")
    (folder / "g" / "sub").mkdir(parents=True)
    (folder / "g" / "sub" / "x.yaml").write_text("a: 1\n")
    done = mia_train("--config-dir", str(folder), "--config-name", "own", "--cfg", "job",
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "a: 1" in done.stdout, done.stdout[-2000:]
