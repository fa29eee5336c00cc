"""A run whose results.json lost its ``training.defenses_idle`` read as one whose defenses all
acted (helper h419): `mia-train plan.num_models=2 train.epochs=2 plan.reference_size=300
defense=early_stopping` (early stopping that never stopped: 'DEFENSE DID NOT ACT'), the
field deleted, and `mia-report` ranked it under early_stopping with no caveat and no mark,
because mia-train wrote the field only where a defense was idle, so its absence was the
normal state of a run whose defenses acted. mia-train now writes it on every run (``[]``
where every defense acted), and the report says of a run of a defense that lacks it that
whether its defenses acted is not recorded (deleted, or written before: the policy of the
other fields mia-train writes always, `_unrecorded_note`)."""

from __future__ import annotations

import shutil

import pytest

from mia_defense.cli.train import run as train
from mia_defense.report import write_report
from mia_defense.report.build import careful_rows
from mia_defense.report.checks import caveats
from mia_defense.tracking import read_json
from tests.conftest import compose_cfg
from tests.helpers import FAST, built_once
from tests.report.fake_runs import rewrite_results

SAID = "results.json records no training.defenses_idle (whether its defenses acted in training)"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """``es``, early stopping that never acted, and ``wd``, weight decay, which acts."""
    fast = [o for o in FAST if not o.startswith("train.epochs=")]

    def build(folder):
        for name, defense in (("es", "early_stopping"), ("wd", "weight_decay")):
            train(compose_cfg(*fast, "plan.reference_size=300", "train.lr=0.001",
                              f"defense={defense}"), folder / name)  # fmt: skip
        return folder

    return built_once(tmp_path_factory, "h419_idle_field", build)


def test_a_run_whose_defenses_acted_records_it(built):
    payload = read_json(built / "wd" / "results.json")
    assert payload["training"]["defenses_idle"] == []
    assert not [n for n in caveats(payload) if SAID in n]


def test_the_field_deleted_is_a_caveat(built, tmp_path):
    root = tmp_path / "sweep"
    shutil.copytree(built, root)
    for name in ("es", "wd"):
        payload = rewrite_results(root / name, lambda p: p["training"].pop("defenses_idle"))
        assert any(SAID in n for n in caveats(payload)), name
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    (es,) = [i for i, g in enumerate(report.groups) if g.label == "es"]
    assert not report.groups[es].defenses_idle  # (nothing says which did not act)
    assert es in careful_rows(report)
    assert [name for name, note in report.caveats if SAID in note] == ["es", "wd"]


def test_no_caveat_on_an_undefended_run_without_it(tiny_run):
    payload = {**tiny_run.payload, "training": {
        k: v for k, v in tiny_run.payload["training"].items() if k != "defenses_idle"}}
    assert not [n for n in caveats(payload) if SAID in n]
