"""A DP run whose own config makes its ε no guarantee (shuffled batches, the gdp accountant,
standardised features, a defense of the user's own beside DP-SGD) but whose results.json
says ``epsilon_valid: true`` (written before mia-train flagged the last three, or edited):
mia-report showed its ε as a guarantee, without a caveat. Now the ε is marked as none and the
run is read with care; a genuine older gdp run is no longer skipped as edited."""

import pytest

from mia_defense.report import load_runs, summarise
from mia_defense.report.checks import caveats
from tests.report.fake_runs import make_run, rewrite_results

CLAIM = {"epsilon": 2.0, "delta": 1e-5, "noise_multiplier": 1.1, "accountant": "rdp",
         "epsilon_valid": True, "epsilon_refuted": False}  # fmt: skip


# results.json's privacy.preprocessing of a CSV run before 0316dee
OLD_CSV_NOTE = (
    "outside the accounting: no data-dependent scaling by mia-defense (dataset.standardize="
    "false); whatever a custom loader does is not accounted either; and the CSV's text "
    "columns, if any, are one-hot encoded with the list of categories taken from the data "
    "(the rows outside the test set, members included): which categories exist is not "
    "covered by epsilon"
)


def _dp_run(run, change):
    make_run(run, test_accuracy=0.8, signal=0.3, defense="dp")

    def edit(payload):
        payload["privacy"] = dict(CLAIM)
        change(payload)

    return rewrite_results(run, edit)


@pytest.mark.parametrize(("change", "said"), [
    (lambda p: p["config"]["defense"]["dp"].update(poisson_sampling=False),
     "defense.dp.poisson_sampling=false: the models trained on shuffled batches"),
    (lambda p: p["privacy"].update(accountant="gdp"), "accountant gdp: a central-limit"),
    (lambda p: p["config"]["dataset"].update(standardize=True),
     "dataset.standardize=true: the features were scaled with statistics of the data"),
    (lambda p: p["config"]["defense"].update(mine={"_target_": "my_pkg.Smooth"}),
     "trained beside defenses of your own (my_pkg.Smooth)"),
    # a CSV run recorded before mia-train looked at its loaded text columns (0316dee)
    (lambda p: (p["config"]["dataset"].update(_target_="mia_defense.data.load_csv",
                                              standardize=False),
                p["privacy"].update(preprocessing=OLD_CSV_NOTE)),
     "a CSV whose text columns, if it had any, were one-hot encoded"),
])  # fmt: skip
def test_an_epsilon_its_own_config_makes_no_guarantee_is_shown_as_none(tmp_path, change, said):
    payload = _dp_run(tmp_path / "run", change)
    loaded = load_runs([tmp_path / "run"])
    assert [r.name for r in loaded.runs] == ["run"]  # ranked, not skipped: older runs say so
    (note,) = [n for _, n in loaded.caveats if n.startswith("its ε 2 is not a guarantee")]
    assert "though results.json says epsilon_valid true" in note and said in note
    (summary,) = summarise(loaded.runs)
    assert summary.epsilon == 2.0 and summary.epsilon_valid is False
    payload["privacy"].update(epsilon_valid=False, epsilon_invalid_reason="recorded")
    assert not [n for n in caveats(payload) if "though results.json says" in n]


def test_an_epsilon_of_the_plain_config_stays_a_guarantee(tmp_path):
    _dp_run(tmp_path / "run", lambda p: None)
    loaded = load_runs([tmp_path / "run"])
    assert loaded.caveats == []
    (summary,) = summarise(loaded.runs)
    assert summary.epsilon_valid is True


def test_an_accountant_that_is_an_object_is_no_traceback(tmp_path):
    _dp_run(tmp_path / "run", lambda p: p["privacy"].update(accountant={"name": "gdp"}))
    loaded = load_runs([tmp_path / "run"])  # was a TypeError: unhashable type: 'dict'
    assert [r.name for r in loaded.runs] == ["run"]
