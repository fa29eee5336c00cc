"""A key given to a release (or defense) that takes none: '+release.k=2' beside release=full
was refused with '... unknown key 'k' for mia_defense.defenses.FullRelease; valid keys: ',
the list empty; it now says the release takes no keys."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError


@pytest.mark.parametrize("release", ["full", "label_only"])
def test_a_key_for_a_release_without_keys_says_it_takes_none(make_cfg, release):
    with pytest.raises(ConfigError) as caught:
        check_config(make_cfg(f"release={release}", "+release.k=2"))
    message = str(caught.value)
    assert "release.k=2: unknown key 'k' for mia_defense.defenses." in message
    assert message.rstrip().endswith("it takes no keys")
    assert "valid keys: " not in message
