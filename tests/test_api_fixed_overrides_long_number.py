"""api.fixed_overrides read an override whose number has over 4,300 digits with Python's
int(), a raw ValueError naming no override; audit and attack_config refuse it as Hydra's."""

from __future__ import annotations

from mia_defense.api import fixed_overrides


def test_a_number_too_long_for_int_is_left_to_hydra() -> None:
    assert fixed_overrides(["attack.bootstrap=" + "9" * 5000]) == []
    assert fixed_overrides(["attack.queries.num_augmented=" + "9" * 5000]) == []


def test_fixed_settings_still_found() -> None:
    assert fixed_overrides(["attack.queries.num_augmented=2"]) == ["queries.num_augmented"]


def test_overrides_not_a_list_still_refused() -> None:
    import pytest

    from mia_defense.errors import ConfigError

    with pytest.raises(ConfigError, match="a list of strings"):
        fixed_overrides("attack.bootstrap=3")
