"""h528: with own.yaml = ``[config, _self_]``, two refusals named own.yaml for choices that
the packaged config.yaml it includes made (48ddb4f3 named that config in the others, by
`_chosen_by`): ``+experiment=tradeoff_dp ~defense`` said "own.yaml's defaults list selects
no defense", ``+hparams_search=optuna_custom`` "(own.yaml's hparams_search)". Both name
config.yaml now; an own.yaml that chooses for itself is still named."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import refusal_line


def _refusal(tmp_path: Path, own: str, *overrides: str) -> str:
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "own.yaml").write_text(own)
    return refusal_line("--config-dir", str(folder), "--config-name", "own", *overrides,
                        cwd=tmp_path)


_INCLUDES = "defaults:\n  - config\n  - _self_\n"


def test_an_experiments_delete_names_the_config_that_chose_no_defense(tmp_path):
    said = _refusal(tmp_path, _INCLUDES, "+experiment=tradeoff_dp", "~defense")
    assert "and config.yaml's defaults list selects no defense (defense=[])" in said, said
    assert "own.yaml" not in said, said


def test_an_added_group_names_the_config_whose_entry_it_is(tmp_path):
    said = _refusal(tmp_path, _INCLUDES, "+hparams_search=optuna_custom")
    assert "which selects one already (config.yaml's hparams_search)" in said, said
    assert "own.yaml" not in said, said


def test_own_yamls_own_choice_is_still_own_yamls(tmp_path):
    said = _refusal(tmp_path, "defaults:\n  - config\n  - override defense: []\n  - _self_\n",
                    "+experiment=tradeoff_dp", "~defense")
    own = tmp_path / "conf" / "own.yaml"
    assert f"and {own}'s defaults list selects no defense (defense=[])" in said, said
