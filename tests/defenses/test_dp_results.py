"""What results.json claims under DP-SGD: the worst model's ε, enough to recompute every ε,
whether ε describes the mechanism that ran, the noise source, and what it leaves out."""

from __future__ import annotations

import logging

import pytest
from opacus.accountants import RDPAccountant

from mia_defense.cli.train import format_table, run
from mia_defense.defenses import DPSGD
from mia_defense.errors import ConfigError
from mia_defense.tracking import read_json

# (the attack stage without its extras: these tests read what the run claims of privacy)
DP = ["defense=dp", "defense.dp.target_epsilon=2", "~attack.attacks.shokri", "attack.bootstrap=0",
      "attack.queries.num_augmented=0", "attack.white_box=false"]


def test_unaccounted_sampling_is_refused_unless_opted_in(make_cfg, tmp_path):
    with pytest.raises(ConfigError, match=r"poisson_sampling=false: shuffled fixed-size "
                       r"batches.*allow_unaccounted_sampling=true"):
        run(make_cfg(*DP, "defense.dp.poisson_sampling=false"), tmp_path / "refused")
    assert not (tmp_path / "refused").exists()  # refused before the run directory
    with pytest.raises(ConfigError, match=r"secure_mode=true with defense.dp.poisson_sampling"):
        DPSGD(noise_multiplier=1.0, poisson_sampling=False, allow_unaccounted_sampling=True,
              secure_mode=True)
    cfg = make_cfg(*DP, "defense.dp.poisson_sampling=false",
                   "defense.dp.allow_unaccounted_sampling=true")
    result = run(cfg, tmp_path / "opted_in")
    privacy = read_json(tmp_path / "opted_in" / "results.json")["privacy"]
    assert privacy["epsilon_valid"] is False
    assert "shuffled fixed-size batches" in privacy["epsilon_invalid_reason"]
    table = format_table(result, [0.01])
    assert "epsilon_valid False" in table
    # its reason said once, in the READ WITH CARE line printed under the table (h412)
    assert "epsilon_invalid_reason" not in table
    from mia_defense.report.checks import run_end_lines

    ends = run_end_lines(read_json(tmp_path / "opted_in" / "results.json"))
    assert any(privacy["epsilon_invalid_reason"] in line for line in ends)


def test_a_delta_at_or_above_one_over_n_is_refused_before_training():
    # (ε, δ)-DP with δ >= 1/N allows publishing one member's record outright: the ε it
    # reports protects nobody, so no run claims it
    dp = DPSGD(noise_multiplier=1.0, delta=0.01)
    with pytest.raises(ConfigError, match=r"defense.dp.delta=0.01: at or above 1/N = 1/150 "
                       r"\(N: the most members a model trains on\).*below 1/N \(e.g. 0.0007\)"):
        dp.plan(sizes=[90, 150, 120], batch_size=32, epochs=1)
    DPSGD(noise_multiplier=1.0, delta=0.0099).plan(sizes=[90, 100], batch_size=32, epochs=1)
    DPSGD(noise_multiplier=1.0).plan(sizes=[10_000], batch_size=32, epochs=1)  # 1/(10·N)


@pytest.mark.parametrize("engine", ["stacked", "opacus"])
def test_results_json_has_the_worst_case_and_recomputes_with_opacus(make_cfg, tmp_path,
                                                                     engine, caplog):
    """privacy.epsilon is the maximum over the K models; each model's (σ, q, steps, δ)
    gives back its ε with Opacus' own RDP accountant, from results.json alone."""
    with caplog.at_level(logging.WARNING):
        run(make_cfg(*DP, f"train.engine={engine}", "dataset.standardize=true"), tmp_path)
    assert ("ε will not be a guarantee (privacy.epsilon_valid: false): dataset.standardize="
            "true") in caplog.text  # said before training
    privacy = read_json(tmp_path / "results.json")["privacy"]
    models = privacy["per_model"]
    assert len(models) == 4
    for model in models:
        accountant = RDPAccountant()
        accountant.history = [(model["noise_multiplier"], model["sample_rate"], model["steps"])]
        assert accountant.get_epsilon(model["delta"]) == pytest.approx(model["epsilon"],
                                                                       rel=1e-9)
        assert model["accountant"] == "rdp" and model["steps"] == 3 / model["sample_rate"]
    epsilons = [m["epsilon"] for m in models]
    assert len(set(epsilons)) > 1  # δ = 1/(10 · members) differs: max is not the mean
    assert privacy["epsilon"] == max(epsilons) > sum(epsilons) / len(epsilons)
    assert privacy["delta"] == max(m["delta"] for m in models)
    assert privacy["epsilon"] == pytest.approx(2.0, abs=0.05)  # the target, to Opacus' 0.01
    # dataset.standardize=true scaled the features with the members' statistics:
    # outside the accounting, so ε is no guarantee (tests/defenses/test_dp_beside_own_defenses
    # has the valid run, without it)
    assert privacy["epsilon_valid"] is False
    assert privacy["epsilon_invalid_reason"].startswith("dataset.standardize=true: the features")
    assert privacy["noise_source"] == "seeded"
    assert privacy["preprocessing"].startswith("outside the accounting: dataset.standardize")


def test_secure_mode_trains_stacked_and_says_so(make_cfg, tmp_path):
    result = run(make_cfg(*DP, "defense.dp.secure_mode=true"), tmp_path)
    written = read_json(tmp_path / "results.json")
    assert written["training"] == {
        "engine": "stacked", "fallback_reason": None, "stacked_draws": None,
        "parameters_without_gradient": None, "reused": 0,
        "store": None, "defenses_idle": [],
    }
    assert result.privacy["noise_source"] == "secure"
    assert written["privacy"]["noise_source"] == "secure"
    assert "noise_source secure" in format_table(result, [0.01])


def test_the_default_digits_run_gives_an_epsilon_that_holds(make_cfg, tmp_path):
    """digits' features are pixel counts on a fixed scale: the default dataset scales
    nothing with the data's statistics, so a default DP run's ε is a guarantee."""
    run(make_cfg(*DP), tmp_path)
    privacy = read_json(tmp_path / "results.json")["privacy"]
    assert privacy["epsilon_valid"] is True and "epsilon_invalid_reason" not in privacy
    assert privacy["epsilon"] == pytest.approx(2.0, abs=0.05)
