"""Leftovers of helper h317: refusals and advice that named the wrong remedy."""

from __future__ import annotations

from mia_defense.errors import ConfigError
from tests.helpers import composition_refused


def test_a_too_long_choice_of_a_users_own_group_is_refused_in_words(tmp_path):
    """+mygroup=<5000 characters>, mygroup only in the user's config folder, was Hydra's
    OSError traceback 'File name too long' (a packaged group's was refused in words)."""
    from mia_defense.hydra_setup import setup_hydra

    (tmp_path / "mygroup").mkdir()
    (tmp_path / "mygroup" / "a.yaml").write_text("x: 1\n")
    setup_hydra()
    refused = composition_refused([f"hydra.searchpath=[file://{tmp_path}]",
                                   f"+mygroup={'a' * 5000}"])
    assert isinstance(refused, ConfigError) and "(5009 characters): no config of the group " \
        "mygroup has a name that long; nothing was run. Name one of its configs, e.g. " \
        "mygroup=a" in str(refused)
