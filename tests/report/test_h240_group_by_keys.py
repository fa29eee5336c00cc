"""mia-report --group-by: a key given twice (defense,defense) was accepted, its rows named
'defense=...,defense=...'; and a key whose value is an empty mapping (defense of an
undefended run: the defense group chose nothing) named its rows 'defense={}'. A repeated
key is refused naming it; an empty mapping reads '(empty)', a subtree its contents."""

from __future__ import annotations

import pytest

from mia_defense.cli.report import main as report_main
from mia_defense.errors import ConfigError
from mia_defense.report import parse_group_by, write_report
from tests.report.fake_runs import make_run
from tests.report.test_groups import read_csv


@pytest.fixture()
def sweep(tmp_path):
    root = tmp_path / "sweep"
    # what mia-train records: defense={} without a defense, defense.dp.* with DP
    make_run(root / "defense=none", test_accuracy=0.9, signal=1.0, config={"defense": {}})
    for seed in (0, 1):
        make_run(root / f"defense=dp,seed={seed}", test_accuracy=0.8, signal=0.3, seed=seed,
                 defense="dp", defense_hparams={"dp.target_epsilon": 1.0}, epsilon=1.0)
    return root


@pytest.mark.parametrize("text, key", [("defense,defense", "defense"),
                                       ("train.lr, seed,train.lr", "train.lr")])
def test_a_key_given_twice_is_refused(sweep, tmp_path, capsys, text, key):
    with pytest.raises(ConfigError) as info:
        parse_group_by(text)
    assert str(info.value).startswith(f"--group-by {text!r}: the key {key!r} is given twice; "
                                      "give each key once: "), info.value
    out = tmp_path / "out"
    assert report_main([str(sweep), "--group-by", text, "-o", str(out), "--no-charts"]) == 2
    assert "is given twice" in capsys.readouterr().err and not out.exists()
    with pytest.raises(ConfigError, match=f"group_by=.*: the key '{key}' is given twice"):
        write_report([sweep], out_dir=out, group_by=[k.strip() for k in text.split(",")],
                     charts=False, tensorboard=False)


def test_a_mapping_key_names_its_rows_by_their_contents(sweep, tmp_path):
    out = tmp_path / "out"
    assert report_main([str(sweep), "--group-by", "defense", "-o", str(out), "--no-charts",
                        "--no-tensorboard"]) == 0
    rows = read_csv(out / "tradeoff.csv")
    assert "defense=(empty)" in rows and rows["defense=(empty)"]["n"] == "1"
    (dp,) = (name for name in rows if name != "defense=(empty)")
    assert dp.startswith('defense={"dp._target_": "mia_defense.defenses.dp"'), dp
    assert '"dp.target_epsilon": 1.0' in dp and rows[dp]["n"] == "2"
    assert not any("{}" in name for name in rows)
