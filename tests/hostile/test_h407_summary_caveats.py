"""TensorBoard's summary card of a run mia-report marks "(read with care)" was its figures
alone: mia-train defense=early_stopping plan.reference_size=300 train.epochs=3
plan.num_models=2 (no model stopped, none restored: results.json's training.defenses_idle)
had no word that its defense did not act, and defense=dp defense.dp.target_epsilon=50
(seeded noise: privacy.epsilon_valid false) read ``privacy/epsilon | 49.99`` with nothing on
why it guarantees nothing, where mia-report lists both under 'Figures to read with care'.
The card now begins with the report's caveats, in its words
(`mia_defense.report.checks.caveats` of the run's results.json)."""

from __future__ import annotations

import pytest

from mia_defense.report.checks import caveats
from mia_defense.tracking import read_json
from mia_defense.tracking.hparams import CAVEATS
from mia_defense.tracking.run_dir import RESULTS
from tests.tracking.tb_api import TensorBoardAPI

IDLE = "defense early_stopping did not act: defense.early_stopping:"
NO_GUARANTEE = "is not a guarantee (epsilon_valid false)"


def _summary(shared_run, *overrides: str) -> tuple[dict, str]:
    """The run's results.json and its summary card as TensorBoard serves it (HTML)."""
    run_dir = shared_run(*overrides, "attack.bootstrap=0").run_dir
    api = TensorBoardAPI(run_dir)
    (card,) = api.get("/data/plugin/text/text?run=tb&tag=summary/text_summary")
    return read_json(run_dir / RESULTS), card["text"]


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        (("defense=early_stopping", "plan.reference_size=300", "train.lr=0.001"), IDLE),
        (("defense=dp", "defense.dp.target_epsilon=50"), NO_GUARANTEE),
    ],
    ids=["idle_early_stopping", "seeded_noise_epsilon"],
)
def test_the_summary_card_begins_with_the_report_s_caveats(shared_run, overrides, said):
    payload, text = _summary(shared_run, *overrides)
    notes = caveats(payload)
    assert any(said in note for note in notes)  # (mia-report marks the run)
    head, _, figures = text.partition("<th>figure</th>")
    assert CAVEATS in head and figures  # the caveats first, then the figures
    assert said in head
    for note in notes:  # (its HTML escapes quotes: each note up to the first one)
        assert note.split("'")[0].split('"')[0][:80] in head


def test_a_run_without_a_verdict_lists_no_caveats(shared_run):
    # at chance: mia-report does not rank it, so lists no caveat; the card says why instead
    _, text = _summary(shared_run, "train.lr=1000", "train.optimizer=sgd")
    assert "no privacy verdict" in text and CAVEATS not in text
