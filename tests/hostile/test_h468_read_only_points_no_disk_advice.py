"""A finished sweep kept read-only (chmod -R a-w SWEEP/plan*), run again: each point's line
said what to do (read it with mia-report, or make it writable: h459), but the sweep's end
still headed them 'do as its line says (free disk space, most often)', though no line was
about the disk. The advice now follows the lines: the disk named only where a line is."""

from __future__ import annotations

from mia_defense.cli.sweep_refusals import print_refused

FIX = "fix the value and run the same command again"
DISK = "(free disk space, most often)"


def _read_only(run_dir) -> tuple[object, str]:
    return (run_dir, f"DataError: {run_dir}: cannot use it as the run directory (Permission "
            "denied); it holds a run, and a run's folder is written even to skip it as "
            f"finished (its lock, its log), so nothing was run there. Read it as it is with "
            f"mia-report {run_dir} --out DIR (the report written elsewhere), or make it "
            f"writable (chmod -R u+w {run_dir}) to run the same command again")


def _full(run_dir) -> tuple[object, str]:
    return (run_dir, f"DataError: {run_dir}/results.json: cannot write it (No space left on "
            "device); free disk space or choose a writable sweep directory (hydra.sweep.dir=...)")


def test_read_only_points_alone_are_not_told_to_free_disk_space(tmp_path, capsys):
    points = [_read_only(tmp_path / f"plan.num_models={k}") for k in (2, 4)]
    print_refused(points, nothing="nothing was run there", fix=FIX)
    out = capsys.readouterr().out
    assert "disk" not in out.split(":\n")[0], out
    assert ("2 run(s) of this sweep were refused (nothing was run there; each could not write "
            "a file there: do as its line says, then run the same command again):") in out


def test_among_others_the_read_only_ones_are_not_told_to_free_disk_space(tmp_path, capsys):
    points = [_read_only(tmp_path / "a"), (tmp_path / "b", "ConfigError: train.lr=-1: must be > 0")]
    print_refused(points, nothing="nothing was run there", fix=FIX)
    out = capsys.readouterr().out
    assert "  (1 of them: nothing to fix, a file could not be written: do as its line says, " \
           "then run the same command again)" in out, out
    assert DISK not in out


def test_a_full_disk_among_them_keeps_the_disk_advice(tmp_path, capsys):
    points = [_read_only(tmp_path / "a"), _full(tmp_path / "b")]
    print_refused(points, nothing="nothing was run there", fix=FIX)
    out = capsys.readouterr().out
    assert f"each could not write a file there: do as its line says {DISK}, then run" in out
