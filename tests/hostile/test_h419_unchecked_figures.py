"""A run of mia-train whose scores.npz was deleted (or replaced by another run's) could have
its figures edited by hand and still top the Pareto front with no word: the report checks a
run's TPRs against its scores (test_h289_figures_against_scores) only where the file is
there and is the run's. `mia-train plan.num_models=2 train.epochs=2` twice (undefended and
weight_decay), the first's scores.npz deleted and every TPR at 0.1% FPR of its results.json
(headline copies too) set to 0.0: `mia-report` ranked it first, '(read with care)' for the
K=2 caveat both runs share and nothing on its figures (helper h419). Such a run now gets a
caveat of its own, naming what could not be read, and its row is marked where it is ranked
(the existing policy for a run whose results.json lacks what would check it:
`_unrecorded_note`'s caveat, ranked and marked). A file of a tool of the user's own (no
``timings``, the block only mia-defense's writer writes) has no scores.npz to expect."""

from __future__ import annotations

import shutil

import pytest

from mia_defense.cli.train import run as train
from mia_defense.report import write_report
from mia_defense.report.build import careful_rows
from tests.conftest import compose_cfg
from tests.helpers import FAST, built_once
from tests.report.fake_runs import rewrite_results

SAID = "its figures are not checked against its scores: "


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """``und`` (undefended) and ``wd`` (weight decay), tiny runs of mia-train."""

    def build(folder):
        for name, defense in (("und", "none"), ("wd", "weight_decay")):
            train(compose_cfg(*FAST, f"defense={defense}"), folder / name)
        return folder

    return built_once(tmp_path_factory, "h419_two_runs", build)


def _sweep(built, root, *, writer: bool = True):
    """A copy of ``built``, ``und``'s every TPR at 0.1% FPR set to 0.0 by hand (its headline
    copies too); without ``timings`` (the block only mia-defense's writer writes) where not
    ``writer``."""
    shutil.copytree(built, root)

    def lowered(payload):
        for metrics in payload["attacks"].values():  # (its null interval bounds kept null:
            # a bound beside attack.bootstrap=0 reads as edited, test_h511)
            for key in [k for k, v in metrics.items()
                        if k.startswith("tpr@0.1%fpr") and v is not None]:
                metrics[key] = 0.0
        for key in [k for k, v in payload["headline"].items()
                    if "tpr@0.1%fpr" in k and v is not None]:
            payload["headline"][key] = 0.0
        if not writer:
            del payload["timings"]

    rewrite_results(root / "und", lowered)
    return root


def _notes(report, name):
    return [note for run, note in report.caveats if run == name and note.startswith(SAID)]


@pytest.mark.parametrize("how", ["deleted", "corrupt", "a folder"])
def test_figures_that_nothing_checks_get_a_caveat(built, tmp_path, how):
    root = _sweep(built, tmp_path / "sweep")
    scores = root / "und" / "scores.npz"
    scores.unlink()
    if how == "corrupt":
        scores.write_bytes(b"not an archive")
    elif how == "a folder":
        scores.mkdir()
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    (und,) = [i for i, g in enumerate(report.groups) if g.label == "und"]
    (note,) = _notes(report, "und")
    said = {"deleted": "its folder's scores.npz is missing (deleted or moved)",
            "corrupt": f"{scores}: corrupt or not an .npz archive",
            "a folder": "its folder's scores.npz is a directory, not a regular file"}[how]
    assert said in note
    assert report.groups[und].leak_tpr.value == 0.0  # (ranked, and read with care)
    assert und in careful_rows(report)
    summary = report.files["summary"].read_text(encoding="utf-8")
    assert "or its figures not checked against its scores" in summary
    assert not _notes(report, "wd")


def test_no_caveat_where_the_scores_are_checked_or_none_are_expected(built, tmp_path):
    root = _sweep(built, tmp_path / "sweep", writer=False)
    (root / "und" / "scores.npz").unlink()
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert not _notes(report, "und")  # (a file of a tool of the user's own)
    root = _sweep(built, tmp_path / "sweep2")
    report = write_report([root], out_dir=tmp_path / "out2", tensorboard=False, charts=False)
    assert "und" in [path.name for path, _ in report.skipped]  # (checked: skipped as edited)
    assert not _notes(report, "wd")
