"""A sweep's point refused because its folder was in use was told "wait for the run that
holds it (still going) to end, then run the same command again", even where the run there is
of another config (two sweeps at once into one hydra.sweep.dir whose subdir names the folder
alike, h405): the same command then refused the point as "holds a complete run of another
config". Such a point's line now says what the rerun would, and it counts among the points
holding a run of other settings, with that note's advice."""

from __future__ import annotations

from tests.hostile.test_h405_twin_of_other_config import in_use_end

WAIT = "wait for the run that holds it (still going) to end, then run the same command again"


def test_a_point_in_use_by_a_run_of_another_config_is_not_told_to_wait(
    tmp_path, sweep_end, capsys
):
    in_use_end(sweep_end, tmp_path, there={"train": {"lr": 0.01}}, refused={"train": {"lr": 0.02}})
    out = capsys.readouterr().out
    assert WAIT not in out, out
    assert "The run there is not this point's: " in out, out
    assert "holds a complete run of another config (" in out, out
    assert "1 of them: the folder this sweep names for the run holds a run of other " in out
    # (its heading's advice, as of any point holding a run of other settings, is not to
    # fix a value and run the same command again, which refuses it again)
    assert ("1 run(s) of this sweep were refused (nothing was run there; each folder holds a "
            "run of other settings, see below):") in out, out
    assert "running the same command again refuses them again" in out


def test_a_point_in_use_by_a_run_of_its_config_still_running_is_told_to_wait(
    tmp_path, sweep_end, capsys
):
    in_use_end(sweep_end, tmp_path, there={"train": {"lr": 0.01}}, refused={"train": {"lr": 0.01}},
         status="running")
    out = capsys.readouterr().out
    assert WAIT in out, out
    assert "not this point's" not in out


def test_a_point_whose_config_is_not_known_is_told_as_before(tmp_path, sweep_end, capsys):
    in_use_end(sweep_end, tmp_path, there={"train": {"lr": 0.01}}, refused=None)
    out = capsys.readouterr().out
    assert WAIT in out, out
    assert "not this point's" not in out
