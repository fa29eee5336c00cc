"""TensorBoard's HParams row of a run mia-report marks "(read with care)" was that of any
run: mia-train defense=early_stopping plan.reference_size=300 train.epochs=3
plan.num_models=2 (no model stopped, none restored: results.json's training.defenses_idle)
was a row named ``early_stopping``, its TPR and accuracy beside the defended runs', with no
column saying its defense did not act (mia-report: 'early_stopping (did not act)', under
'Figures to read with care'). Its row now has a ``read with care`` column holding the
report's caveats (`mia_defense.report.checks.caveats`), numbered, in its own session and in
the sweep's experiment config read back from results.json, ticked among the columns
TensorBoard shows, as the no-verdict column is."""

from __future__ import annotations

from tensorboard.plugins.hparams import metadata

from mia_defense.report.checks import caveats
from mia_defense.tracking import read_json
from mia_defense.tracking.hparams import (
    CAVEATS,
    NO_VERDICT,
    experiment_summary,
    sessions_under,
)
from mia_defense.tracking.run_dir import RESULTS
from tests.tracking.tb_api import TensorBoardAPI


def _row(run_dir) -> tuple[dict, dict]:
    api = TensorBoardAPI(run_dir)
    (group,) = api.session_groups(api.experiment()).values()
    return read_json(run_dir / RESULTS), group["hparams"]


def _run_dir(shared_run, *overrides: str):
    """The tiny run of ``overrides`` (no bootstrap), shared with the summary card's tests."""
    return shared_run(*overrides, "attack.bootstrap=0").run_dir


def test_an_idle_defense_s_row_has_the_report_s_caveats(shared_run):
    run_dir = _run_dir(shared_run, "defense=early_stopping", "plan.reference_size=300",
                       "train.lr=0.001")  # fmt: skip
    payload, row = _row(run_dir)
    notes = caveats(payload)
    assert any(n.startswith("defense early_stopping did not act:") for n in notes)
    assert row[CAVEATS] == "; ".join(f"({i}) {n}" for i, n in enumerate(notes, 1))
    # the sweep's experiment config reads the same row back, the column ticked beside swept
    # keys that fill the five columns TensorBoard shows
    sessions = sessions_under(run_dir)
    assert [s.hparams[CAVEATS] for s in sessions] == [row[CAVEATS]]
    summary = experiment_summary(sessions, swept=["train.lr", "seed", "train.epochs", "plan"])
    content = summary.value[0].metadata.plugin_data.content
    infos = metadata.parse_experiment_plugin_data(content).hparam_infos
    ticked = {h.name for h in infos if h.differs}
    assert CAVEATS in ticked and len(ticked) == 5


def test_a_run_without_a_verdict_has_its_reason_not_caveats(shared_run):
    _, row = _row(_run_dir(shared_run, "train.lr=1000", "train.optimizer=sgd"))
    assert NO_VERDICT in row and CAVEATS not in row
