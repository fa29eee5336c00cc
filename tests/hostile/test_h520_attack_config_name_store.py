"""h520: a misspelt ``--config-name`` of mia-attack listed Hydra's in-code config store among
the config folders: "no config of that name in the config folders (pkg://mia_defense.conf,
structured://)", a path no one can open or add a file to. The refusal
(`mia_defense.missing_config_refusals._missing_primary_words`) now names the folders alone
and the store for what it is: "... or the tool's built-in configs"."""

from __future__ import annotations

from tests.helpers import mia_attack


def test_a_misspelt_attack_config_name_names_no_structured_folder(tmp_path):
    done = mia_attack("--config-name", "mia_attak", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith("ConfigError: Cannot find primary config 'mia_attak': no config "
                               "of that name in the config folders (pkg://mia_defense.conf) or "
                               "the tool's built-in configs (did you mean 'mia_attack'?); "
                               "nothing was run. "), lines[0]
    assert "structured://" not in lines[0], lines[0]
