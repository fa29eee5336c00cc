"""mia-train --info defaults (and --info all) with a primary config of one's own that a run
refuses (h574): a bare string, an empty file, settings with no defaults list, or a defaults
list naming no config. Hydra's defaults list loads no config, so the list was printed
(exit 0) where the run is refused (cfe54501); now the same one line as the run's, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import mia_train, own_config_refusal


@pytest.mark.parametrize("info", ["defaults", "all"])
@pytest.mark.parametrize("text", ["hello\n", "", "train:\n  epochs: 2\n",
                                  "defaults: [_self_]\ntrain:\n  epochs: 2\n"],
                         ids=["string", "empty", "no defaults list", "no config"])  # fmt: skip
def test_info_refuses_an_own_primary_config_with_the_runs_words(tmp_path: Path, text: str,
                                                                 info: str):
    files = {"own.yaml": text}
    run_said = own_config_refusal(tmp_path, files, mia_train)
    assert own_config_refusal(tmp_path, files, mia_train, "--info", info) == run_said


def test_info_defaults_lists_an_own_primary_config_built_on_mia_trains(tmp_path: Path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "own.yaml").write_text("defaults: [config, _self_]\ntrain:\n  epochs: 2\n")
    done = mia_train("--config-dir", "c", "--config-name", "own", "--info", "defaults",
                     cwd=tmp_path)
    assert done.returncode == 0 and "| own " in done.stdout, done.stderr[-2000:]
