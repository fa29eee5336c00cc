"""``mia-report sweep/sub --out out`` then ``mia-report sweep --out out``: the second is
refused unless given --replace, and its words say so, why, and the command to type.

Measured: the refusal said 'out: holds the report of .../sweep/sub (its .mia-report mark),
not of .../sweep: this report would replace it; pass --replace to replace it (nothing is
lost when .../sweep is that folder moved or copied: its report is written again), or
choose another report directory': sweep is no copy of sweep/sub but holds it (its report
would rank sweep/sub's runs among the others), and no command to type was given.
"""

from __future__ import annotations

from mia_defense.cli.report import main as report_main
from tests.report.fake_runs import make_run

FLAGS = ["--no-tensorboard", "--no-charts"]


def _refusal(capsys, sources, out):
    capsys.readouterr()
    assert report_main([*map(str, sources), "--out", str(out), *FLAGS]) == 2
    return capsys.readouterr().err


def test_the_parent_sweep_into_the_sub_sweeps_report(tmp_path, capsys):
    sweep, out = tmp_path / "sweep", tmp_path / "out"
    make_run(sweep / "sub" / "a", test_accuracy=0.9, signal=3.0, seed=0)
    make_run(sweep / "b", test_accuracy=0.8, signal=0.3, seed=1, config={"train.lr": 0.2})
    assert report_main([str(sweep / "sub"), "--out", str(out), *FLAGS]) == 0
    err = _refusal(capsys, [sweep], out)
    assert f"holds the report of {sweep / 'sub'} (its .mia-report mark), not of {sweep}" in err
    assert "so it is refused unless given --replace; pass --replace to replace it (" in err
    assert f"{sweep} holds {sweep / 'sub'}: this report would rank its runs" in err
    assert "nothing is lost" not in err
    command = f"mia-report {sweep} --out {out} --replace"
    assert f"), typing the same command with it: {command}; or choose another" in err, err
    assert report_main([*command.split()[1:], *FLAGS]) == 0
    # and back: the sub-sweep into the whole sweep's report
    err = _refusal(capsys, [sweep / "sub"], out)
    assert f"{sweep / 'sub'} lies inside {sweep}: this report would rank only its runs" in err
    assert f"mia-report {sweep / 'sub'} --out {out} --replace" in err
