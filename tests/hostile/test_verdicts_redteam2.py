"""Red-team cases, second round: inputs that used to end in a wrong verdict (a leaky model
reported as giving no verdict, or outputs misread as log-probabilities)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError

LEAN = ["attack.bootstrap=0", "~attack.attacks.shokri"]


def _balanced_masks(num_models: int, records: int, rng: np.random.Generator) -> np.ndarray:
    masks = np.zeros((num_models, records), bool)
    for n in range(records):
        masks[rng.permutation(num_models)[: num_models // 2], n] = True
    return masks


def _chance_level(*, memorised: bool, num_models: int = 8, records: int = 400, seed: int = 0):
    """Models at chance on held-out data (random labels: nothing to generalise); with
    ``memorised`` each model predicts its own members' labels confidently, the worst leak
    there is, else every output is noise."""
    rng = np.random.default_rng(seed)
    classes = 4
    labels = rng.integers(0, classes, records)
    masks = _balanced_masks(num_models, records, rng)
    logits = rng.normal(size=(num_models, records, classes))
    if memorised:
        k, n = np.nonzero(masks)
        logits[k, n, labels[n]] += 6.0
    test_labels = rng.integers(0, classes, 200)
    test_logits = rng.normal(size=(num_models, 200, classes))
    return api.observations_from_arrays(
        logits, masks, labels, kind="logits", test_outputs=test_logits, test_labels=test_labels
    )


def test_a_model_at_chance_that_memorised_its_members_is_reported_leaky(caplog):
    """Random labels: test accuracy at chance, every member predicted right. The run gave
    'no privacy verdict' (utility below chance), so the worst leak of all read as a
    non-result; the attacks' lower bound on ε is valid whatever the utility."""
    obs = _chance_level(memorised=True)
    with caplog.at_level(logging.WARNING):
        result = api.audit(obs, overrides=LEAN).result
    assert result.utility_below_chance
    assert result.privacy["leak_without_utility"] is True
    assert "membership leaks" in result.privacy["leak_without_utility_reason"]
    assert "MEMBERSHIP LEAK" in caplog.text
    # the summary and the report say the same: leaky, not 'no verdict'
    from mia_defense.cli.build import format_table
    from mia_defense.report.checks import rank_problem

    table = format_table(result, [0.1, 0.01, 0.001])
    assert "yet MEMBERSHIP LEAKS: not private" in table and "no privacy verdict" not in table
    payload = {"utility": result.utility, "utility_below_chance": True, "privacy": result.privacy}
    assert "MEMBERSHIP LEAKS" in rank_problem(payload)


def test_a_model_at_chance_without_signal_still_gets_no_verdict():
    result = api.audit(_chance_level(memorised=False), overrides=LEAN).result
    assert result.utility_below_chance
    assert "leak_without_utility" not in result.privacy


def _logits(seed: int = 0, *, records: int = 200, classes: int = 10):
    rng = np.random.default_rng(seed)
    masks = _balanced_masks(4, records, rng)
    return rng.normal(size=(4, records, classes)) * 2, masks, rng.integers(0, classes, records)


def test_logits_minus_their_max_are_not_log_probabilities():
    """Logits shifted so that the top one is 0 are <= 0 like log-probabilities but do not
    normalise: the loss of a confident answer reads as 0 and the loss attacks are biased."""
    logits, masks, labels = _logits()
    shifted = logits - logits.max(axis=-1, keepdims=True)
    with pytest.raises(DataError, match=r"outputs: .*sum to .*output_kind=logits"):
        api.observations_from_arrays(shifted, masks, labels, kind="log_probabilities")
    probs = np.exp(shifted)  # the same as probabilities: the top one 1, the others > 0
    with pytest.raises(DataError, match=r"outputs: .*sum to .*output_kind=logits"):
        api.observations_from_arrays(probs, masks, labels, kind="probabilities")


def test_probabilities_summing_far_above_one_are_refused():
    """Per-class sigmoids (each in [0, 1], summing to about C/2): no rounding of a
    distribution sums above 2."""
    logits, masks, labels = _logits(1)
    sigmoids = 1 / (1 + np.exp(-logits))
    with pytest.raises(DataError, match=r"outputs: .*sum to"):
        api.observations_from_arrays(sigmoids, masks, labels, kind="probabilities")


@pytest.mark.parametrize("decimals", [0, 1, 2])
def test_released_log_probabilities_stay_accepted(decimals):
    """Normalised log-probabilities, rounded probabilities (which may sum a little above 1)
    and top-k releases (which sum below 1) are all valid."""
    logits, masks, labels = _logits(2, classes=30)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    rounded = np.round(probs, decimals)
    top = rounded.argmax(-1)
    empty = rounded.sum(-1) == 0
    rounded[empty, top[empty]] = 10.0**-decimals
    api.observations_from_arrays(rounded, masks, labels, kind="probabilities")
    with np.errstate(divide="ignore"):
        api.observations_from_arrays(np.log(probs), masks, labels, kind="log_probabilities")
        top1 = np.where(probs == probs.max(-1, keepdims=True), np.log(probs), -np.inf)
    api.observations_from_arrays(top1, masks, labels, kind="log_probabilities")


@pytest.mark.parametrize("accountant", ["rdp", "prv", "gdp"])
@pytest.mark.parametrize("sigma", [0.0, 1e-6])
def test_no_or_tiny_noise_spends_a_huge_epsilon_never_an_error(accountant, sigma):
    """defense.dp.noise_multiplier=0 (or 1e-6) with accountant=prv or gdp: Opacus' PRV
    raised OverflowError or MemoryError (415 PiB), GDP ZeroDivisionError or a root-finding
    ValueError, in the middle of training. ε must be inf or huge, never small."""
    from mia_defense.defenses.accounting import epsilon_spent

    eps = epsilon_spent(accountant, ((sigma, 0.33, 3),), 1e-5)
    assert eps == float("inf") if sigma == 0 else eps > 1e6


def test_prv_at_a_large_epsilon_gives_the_rdp_bound_without_its_slow_search():
    """PRV at σ=0.1, q=1/3, 30 steps ran for minutes (its domain grows with ε); past
    `_PRV_LIMIT` the RDP accountant's figure, an upper bound too, is the answer."""
    from mia_defense.defenses import accounting

    history = ((0.1, 0.33, 30),)
    rdp = accounting.epsilon_spent("rdp", history, 1e-5)
    assert rdp > accounting._PRV_LIMIT
    assert accounting.epsilon_spent("prv", history, 1e-5) == rdp


def test_a_model_whose_epsilon_is_nan_is_the_worst_case():
    """max() over models keyed on ε kept model 0's ε = 1 beside a NaN one: the run's ε
    (the worst case over the models) read 1."""
    from mia_defense.defenses.accounting import privacy_report

    stats = {"noise_multiplier": 1.0, "sample_rate": 0.1, "steps": 10, "delta": 1e-5}
    report = privacy_report([{**stats, "epsilon": 1.0}, {**stats, "epsilon": float("nan")}],
                            accountant="rdp", noise_source="seeded", preprocessing="")
    assert not report["epsilon"] < 2.0
    assert report["epsilon_valid"] is False
    assert "no ε" in report["epsilon_invalid_reason"]


def test_bootstrap_of_a_few_records_leaves_out_resamples_of_one_class():
    """One target, three members scored above three non-members (a perfect attack): about
    3% of the resamples draw one class only; their AUC read 0 and their TPR 1, so the AUC's
    95% interval was [0, 1] for an attack that is right on every resample."""
    from mia_defense.metrics.bootstrap import bootstrap_intervals

    scores = np.array([[6.0, 5, 4, 3, 2, 1]])
    truth = np.array([[True, True, True, False, False, False]])
    ci = bootstrap_intervals(scores, truth, fprs=[0.001], num_resamples=2000)
    assert ci.auc == (1.0, 1.0)
    assert ci.tpr_at_fpr[0.001] == (1.0, 1.0)
    reversed_ci = bootstrap_intervals(-scores, truth, fprs=[0.001], num_resamples=2000)
    assert reversed_ci.auc == (0.0, 0.0)
    assert reversed_ci.tpr_at_fpr[0.001] == (0.0, 0.0)


def _one_sided_target(caplog):
    """Model 0 trained on every record, model 1 on none (masks a user may give)."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 300)
    masks = np.zeros((4, 300), bool)
    masks[0], masks[2] = True, rng.random(300) < 0.5
    masks[3] = ~masks[2]
    logits = rng.normal(size=(4, 300, 5))
    logits[:, np.arange(300), labels] += 2
    obs = api.observations_from_arrays(logits, masks, labels, kind="logits")
    with caplog.at_level(logging.WARNING):
        return api.audit(obs, overrides=[*LEAN, "attack.num_targets=1"]).result


def test_a_target_that_trained_on_every_record_gets_an_explicit_no_verdict(caplog):
    """attack.num_targets=1 on a model that trained on every record: every figure was NaN
    and nothing said why; the member accuracy, averaged with the NaN of a model without
    members, was NaN too, which is not 'below chance', so the run was judged."""
    result = _one_sided_target(caplog)
    assert "no non-member" in result.privacy["no_verdict_reason"]
    assert "no privacy verdict: the target models [0] have no non-member" in caplog.text
    assert result.utility["train_accuracy"] > 0.5  # the models with members


def test_unknown_utility_gets_no_verdict():
    from mia_defense.experiment import RunResult

    result = RunResult(utility={"test_accuracy": float("nan"), "train_accuracy": float("nan"),
                                "chance_accuracy": 0.2},
                       attacks={}, strongest_attack=None, defense={}, privacy={},
                       wall_seconds=0.0)  # fmt: skip
    assert result.utility_below_chance


def test_a_constant_model_without_a_test_set_gets_no_verdict():
    """Every model answers class 0 whatever the record; no test set, so the member accuracy
    is held against chance. The majority class's share of the whole population (0.4) was
    the chance level, but the models' members hold more of class 0 (each such record trains
    3 of the 4 models): 0.5 'above chance', and a model that learned nothing was judged
    (AUC 0.5: private). Chance is now the majority share among each model's members."""
    rng = np.random.default_rng(0)
    labels = np.array([0] * 40 + [1] * 30 + [2] * 30)
    masks = np.zeros((4, 100), bool)
    for n in range(100):
        masks[rng.permutation(4)[: 3 if labels[n] == 0 else 2], n] = True
    outputs = np.tile(np.array([0.0, -3.0, -3.0]), (4, 100, 1))
    obs = api.observations_from_arrays(outputs, masks, labels, kind="logits")
    result = api.audit(obs, overrides=LEAN).result
    assert result.utility["train_accuracy"] > 0.45  # above the population's 0.4
    assert result.utility_below_chance


def test_released_utility_leaves_out_models_without_members():
    """A model with no members has no member loss: it was averaged in as NaN (and numpy's
    'Mean of empty slice' warning)."""
    import warnings

    from mia_defense.api import released_utility
    from mia_defense.observations import Observations

    rng = np.random.default_rng(0)
    log_probs = np.log(rng.dirichlet(np.ones(3), size=(3, 40)))
    masks = np.zeros((3, 40), bool)
    masks[0, :20], masks[1, 20:] = True, True  # model 2: no members
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        utility = released_utility(
            Observations(log_probs=log_probs, labels=rng.integers(0, 3, 40), masks=masks)
        )
    assert np.isfinite(utility["train_loss"])
