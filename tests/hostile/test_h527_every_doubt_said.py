"""mia-report's caveat of a doubted ε named only its first reason (helper 527):
`epsilon_doubt` returned at the first reason it found, so a run with the gdp accountant and
``dataset.standardize=true`` (results.json ``epsilon_valid: true``: written before mia-train
flagged them, or edited) read 'its ε 2 is not a guarantee ...: accountant gdp: ...', the
members' statistics in its features unsaid (a user who set ``accountant=rdp`` kept a doubted
ε). Every reason that applies is said now, each in its own words, the first first."""

from __future__ import annotations

from mia_defense.report.checks import caveats, epsilon_doubt
from mia_defense.report.objectives import epsilon_doubted
from tests.report.fake_runs import make_run, rewrite_results

CLAIM = {"epsilon": 2.0, "delta": 1e-5, "noise_multiplier": 1.1, "accountant": "gdp",
         "epsilon_valid": True, "epsilon_refuted": False}  # fmt: skip
GDP = "accountant gdp: a central-limit approximation that can underestimate ε"
SCALED = ("dataset.standardize=true: the features were scaled with statistics of the data, "
          "members included, outside DP-SGD's accounting")
SHUFFLED = ("defense.dp.poisson_sampling=false: the models trained on shuffled batches, not "
            "the Poisson sampling the accountant analyses")


def _dp_run(run, **dataset):
    make_run(run, test_accuracy=0.8, signal=0.3, defense="dp")

    def edit(payload):
        payload["privacy"] = dict(CLAIM)
        payload["config"].setdefault("dataset", {}).update(dataset)

    return rewrite_results(run, edit)


def test_the_caveat_of_gdp_and_standardized_features_names_both(tmp_path):
    payload = _dp_run(tmp_path / "run", standardize=True)
    assert epsilon_doubt(payload) == f"{GDP}; also {SCALED}"
    (said,) = [n for n in caveats(payload) if "though results.json says" in n]
    assert said.endswith(f": {GDP}; also {SCALED}")
    # (a search, the RDP bound standing in for gdp's approximation, is told of the rest)
    bounded = {**payload, "privacy": {**payload["privacy"], "epsilon_rdp_bound": 2.5}}
    assert epsilon_doubt(bounded, gdp_bounded=True) == SCALED and epsilon_doubted(bounded)


def test_one_reason_reads_as_before_and_two_are_both_said(tmp_path):
    payload = _dp_run(tmp_path / "run")
    assert epsilon_doubt(payload) == GDP
    shuffled = {**payload, "config": {**payload["config"], "defense": {"dp": {
        **payload["config"]["defense"]["dp"], "poisson_sampling": False, "accountant": "gdp"}}}}
    assert epsilon_doubt(shuffled) == f"{SHUFFLED}; also {GDP}"
