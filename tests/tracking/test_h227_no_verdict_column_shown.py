"""HParams shows why a run has no privacy verdict without a click.

Measured (h227, digits, K=4): in a sweep over defense and release with ``train.lr=1e6`` runs
(one at chance, one diverged with ``train.optimizer=sgd``), TensorBoard showed five columns,
defense, release, dataset.standardize, dp.accountant, dp.allow_unaccounted_sampling: the
diverged run's row was blank but for its name, the run at chance had blank attack columns,
and the ``no privacy verdict`` column that says why was not among them.
"""

from __future__ import annotations

from mia_defense.tracking.hparams import (
    ATTACKED,
    NO_VERDICT,
    SHOWN_HPARAMS,
    Session,
    write_experiment,
)
from tests.tracking.tb_api import TensorBoardAPI

CONSTANTS = {"dataset.standardize": False, "dp.accountant": "rdp", "model.activation": "relu"}


def _shown(root, sessions, swept):
    """The columns TensorBoard shows at first: the first `SHOWN_HPARAMS` its backend gives,
    the ticked ones first (its index.js)."""
    write_experiment(root, sessions, swept=swept)
    infos = TensorBoardAPI(root).experiment()["hparamInfos"]
    ordered = [h for h in infos if h["differs"]] + [h for h in infos if not h["differs"]]
    return [h["name"] for h in ordered][:SHOWN_HPARAMS]


def test_the_no_verdict_column_is_shown(tmp_path):
    sessions = [Session(f"{d},{r}", {**CONSTANTS, "defense": d, "release": r}, {})
                for d in ("none", "dp") for r in ("full", "topk")]  # fmt: skip
    sessions += [Session("diverged", {NO_VERDICT: "training diverged"}, {}),
                 Session("chance", {**CONSTANTS, "defense": "none", "release": "full",
                                    NO_VERDICT: "accuracy not above chance"}, {})]  # fmt: skip
    assert _shown(tmp_path, sessions, ["defense", "release"])[:3] == [
        "defense", NO_VERDICT, "release"]  # fmt: skip


def test_it_stays_among_the_shown_columns_of_a_sweep_of_many_keys(tmp_path):
    keys = ["a", "b", "c", "d", "e", "f"]
    sessions = [Session(str(i), {k: float(i) for k in keys}, {}) for i in range(2)]
    sessions.append(Session("again", {"a": 0.0, ATTACKED: "/runs/0", NO_VERDICT: "why"}, {}))
    assert _shown(tmp_path, sessions, keys) == ["a", "b", "c", ATTACKED, NO_VERDICT]


def test_a_sweep_without_such_runs_has_no_such_column(tmp_path):
    sessions = [Session(d, {**CONSTANTS, "defense": d}, {}) for d in ("none", "dp")]
    assert _shown(tmp_path, sessions, ["defense"]) == [
        "defense", "dataset.standardize", "dp.accountant", "model.activation"]  # fmt: skip
