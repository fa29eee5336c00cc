"""mia-train '~attack.fprs' (a deletion of a required setting) said only "attack.fprs:
missing; it is required", with no word that the override did it nor what to do, where the
API's check of its overrides says both (b11341e4). Both now word it in one place
(`mia_defense.override_checks.deleted_required`)."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train, refused_before_run_dir


@pytest.mark.parametrize(("deleted", "fix"), [
    ("~attack.fprs", "leave that override out (to change it, give attack.fprs=VALUE)"),
    ("~train.lr", "leave that override out (to change it, give train.lr=VALUE)"),
    ("~attack.queries",
     "leave that override out (to change a setting in it, give attack.queries.KEY=VALUE)"),
    ("~attack", "leave that override out"),  # (a group: no change offered)
])  # fmt: skip
def test_mia_train_says_which_override_deleted_a_required_setting(tmp_path, deleted, fix):
    stderr = refused_before_run_dir(deleted, cwd=tmp_path)
    key = deleted[1:]
    line = f"ConfigError: {key}: missing; it is required: '{deleted}' deletes it; {fix}"
    assert stderr.rstrip().endswith(line), stderr[-1000:]


def test_a_sweep_point_says_it_too(tmp_path):
    done = mia_train("-m", "~attack.fprs", "seed=1,2", "progress=false",
                     "hydra.sweep.dir=sweep", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "'~attack.fprs' deletes it; leave that override out" in done.stderr


def test_its_own_fix_is_kept(tmp_path):
    stderr = refused_before_run_dir("~attack.attacks", cwd=tmp_path)
    assert "('~attack.attacks' deletes every entry: leave entries out one by one" in stderr
    assert "leave that override out" not in stderr


@pytest.mark.parametrize(("deleted", "fix"), [
    ("~attack.fprs", "leave that override out (to change it, give attack.fprs=VALUE)"),
    ("~attack.queries",
     "leave that override out (to change a setting in it, give attack.queries.KEY=VALUE)"),
])  # fmt: skip
def test_mia_attack_says_it_too(tmp_path, fast_run, deleted, fix):
    from tests.helpers import mia_attack

    out = tmp_path / "attacked"
    done = mia_attack(str(fast_run.run_dir), deleted, f"hydra.run.dir={out}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    line = f"ConfigError: {deleted[1:]}: missing; it is required: '{deleted}' deletes it; {fix}"
    assert done.stderr.rstrip().endswith(line), done.stderr[-1000:]
    assert "attack overrides" not in done.stderr  # (the API's words, not the tool's)
    assert not out.exists()
