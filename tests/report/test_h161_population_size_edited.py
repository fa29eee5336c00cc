"""Where ``config.plan.population_size`` is null (the whole dataset's default split),
mia-report groups runs onto fronts by results.json's ``population_size``, which nothing
checked above what the default split bounds: digits' 1000 edited to 1500 put the run on a
front of its own. It is now compared with the width of the run's observations.npz masks
(read from the header; the file's sha256 is checked against results.json), and a
contradicting run is skipped, the reason in not_ranked.csv."""

import shutil
from pathlib import Path

import pytest

from mia_defense.cli.train import run as train
from mia_defense.report import load_runs, write_report
from tests.conftest import compose_cfg
from tests.helpers import FAST, built_once
from tests.report.fake_runs import not_ranked_reasons, older_record, rewrite_results


@pytest.fixture(scope="module")
def default_split(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fast run of digits' default split (population 1000 of 1797), trained once."""

    def build(folder: Path) -> Path:
        train(compose_cfg(*FAST, "plan.population_size=null"), folder)
        return folder

    return built_once(tmp_path_factory, "h161_default_split", build)


REASON = (
    "population_size is 1500, but the run's observations.npz holds the membership of "
    "1000 records (masks, num_models x population): the file was edited; rerun the run"
)


def test_a_population_size_edited_beyond_the_default_split_is_skipped(default_split, tmp_path):
    root = tmp_path / "runs"
    kept, edited = root / "kept", root / "edited"
    shutil.copytree(default_split, kept)
    shutil.copytree(default_split, edited)
    payload = rewrite_results(edited, lambda p: p.update(population_size=1500))
    assert payload["config"]["plan"]["population_size"] is None  # (the run's default split)
    assert [r.name for r in load_runs([kept]).runs] == ["kept"]  # the run's own files pass
    loaded = load_runs([edited])
    assert loaded.runs == [] and dict(loaded.skipped)[edited] == REASON
    write_report([root], out_dir=tmp_path / "out", charts=False, tensorboard=False)
    assert not_ranked_reasons(tmp_path / "out") == {str(edited): REASON}


@pytest.mark.parametrize("strip", ["observations", "digest"])
def test_runs_without_their_verified_observations_are_not_checked(default_split, tmp_path, strip):
    """A folder without observations.npz (deleted to save space) or a results.json that
    records no sha256 (an older run, written before versions.training_code too; one that
    records the checkpoints' but not the observations' is refused:
    tests/hostile/test_h376_observations_digest_missing.py): nothing verified to compare
    with, ranked as before."""
    run = tmp_path / "run"
    shutil.copytree(default_split, run)
    if strip == "observations":
        (run / "observations.npz").unlink()
    else:
        rewrite_results(run, older_record)
    rewrite_results(run, lambda p: p.update(population_size=1500))
    assert [r.name for r in load_runs([run]).runs] == ["run"]
