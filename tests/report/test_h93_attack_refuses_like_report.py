"""Hand-edits of a run's results.json that mia-report refuses and mia-attack carried into
its verdict: an ``epsilon_valid`` of "false" (a string, which reads as true: the ε stated as
a guarantee) and a ``test_size`` of 2**53 or more (no near-chance caveat on its accuracy)."""

import shutil

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError
from mia_defense.report import load_runs
from tests.report.fake_runs import rewrite_results


@pytest.mark.parametrize(("change", "reason"), [
    (lambda p: p.setdefault("privacy", {}).update(epsilon_valid="false"),
     "privacy.epsilon_valid is a string 'false', not true or false"),
    (lambda p: p.update(test_size=2**53),
     "test_size is an integer of 16 digits, too large for a count"),
])  # fmt: skip
def test_mia_attack_refuses_what_mia_report_refuses(fast_run, tmp_path, change, reason):
    run = tmp_path / "runs" / "run"
    shutil.copytree(fast_run.run_dir, run)
    rewrite_results(run, change)
    assert dict(load_runs([tmp_path / "runs"]).skipped)[run] == reason
    with pytest.raises(DataError, match=reason):
        read_source(run)
