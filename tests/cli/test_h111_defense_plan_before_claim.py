"""What a defense's plan refuses of the data (DP-SGD's δ at or above 1/N, a target ε no σ
reaches) is refused before the run directory is claimed: found once training began, it left
the folder's .lock (the folder held only the error's log besides, as the README says of what
is checked against the data) and, in a sweep, the model store's lock of a key that never got
an entry (h111)."""

from __future__ import annotations

import pytest

from mia_defense.cli.build import run
from mia_defense.errors import ConfigError


@pytest.mark.parametrize(("overrides", "said"), [
    (("defense=dp", "defense.dp.delta=0.5"), r"^defense.dp.delta=0.5: at or above 1/N"),
    (("defense=dp", "defense.dp.target_epsilon=0.0001"),
     r"^defense.dp.target_epsilon=0.0001: unreachable with delta="),
], ids=["delta", "target-epsilon"])  # fmt: skip
def test_a_plan_refused_on_the_data_leaves_no_folder_and_no_store_lock(
    make_cfg, tmp_path, overrides, said
):
    store = tmp_path / "store"
    with pytest.raises(ConfigError, match=said):
        run(make_cfg(*overrides, f"cache_dir={store}"), tmp_path / "run")
    assert not (tmp_path / "run").exists()
    assert not list(store.glob("*.lock"))


def test_a_sound_dp_run_still_trains_with_the_planned_noise(make_cfg, tmp_path):
    result = run(make_cfg("defense=dp"), tmp_path / "run")
    assert result.privacy["noise_multiplier"] > 0


def test_a_folder_holding_a_run_is_not_planned_again(make_cfg, tmp_path, monkeypatch):
    """A finished run (skipped) or one to resume trained with this plan: its σ is not searched
    again before the claim (the skipped runs of a resumed sweep stay quick)."""
    import mia_defense.cli.build as build

    planned = []
    monkeypatch.setattr(build, "check_defense_plans", lambda *args: planned.append(args))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "results.json").write_text("{}")
    with pytest.raises(ConfigError, match="is not the results of a mia-train run"):
        with build.claimed_run(make_cfg("defense=dp"), tmp_path / "run"):
            pass
    assert planned == []
    with build.claimed_run(make_cfg("defense=dp"), tmp_path / "new"):
        pass
    assert len(planned) == 1
