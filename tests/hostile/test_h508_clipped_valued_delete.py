"""Refusals of a deletion with a value that quoted the value whole (h508, found by h507): a
setting of one value passed Hydra's "Could not delete" words as they were (mia-train
"~train.lr=$(printf '0%.0s' {1..1500})0.001", a string, not the config's 0.001: 1,589
characters), and a list's refusal quoted the override and its value unclipped (mia-train
"~attack.fprs=[$(printf ' %.0s' {1..1500})]": 3,184 characters). Each value is now cut by
`constraints.clipped`, as `override_checks._said` cuts an override; short ones read as
before."""

from __future__ import annotations

from tests.helpers import refused_before_run_dir

LONG = 1500


def _last_line(*args: str, cwd) -> str:
    return refused_before_run_dir(*args, cwd=cwd).strip().splitlines()[-1]


def test_a_long_value_deleting_a_setting_of_one_value_is_clipped(tmp_path):
    line = _last_line("~train.lr=" + "0" * LONG + "0.001", cwd=tmp_path)
    assert line.startswith(
        "ConfigError: Could not delete from config. The value of 'train.lr' is 0.001 and not "
        "0000"), line[:300]  # fmt: skip
    assert f"… ({LONG + 5} characters)" in line, line[-300:]
    assert len(line) < 400, len(line)


def test_a_long_value_deleting_a_list_is_clipped(tmp_path):
    line = _last_line("~attack.fprs=[" + " " * LONG + "]", cwd=tmp_path)
    assert line.startswith("ConfigError: ~attack.fprs=[   "), line[:300]
    assert f"… ({LONG + 15} characters): deletes attack.fprs only where its value is [  " \
        in line, line[:600]  # fmt: skip
    assert f"… ({LONG + 2} characters), and attack.fprs holds a list of " in line, line[-600:]
    assert line.endswith("To change it, give the whole list: 'attack.fprs=[...]'"), line[-300:]
    assert len(line) < 800, len(line)


def test_short_values_are_said_whole(tmp_path):
    assert _last_line("~train.lr=0.002", cwd=tmp_path) == (
        "ConfigError: Could not delete from config. The value of 'train.lr' is 0.001 and not "
        "0.002")  # fmt: skip
    assert _last_line("~attack.fprs=[0.1]", cwd=tmp_path) == (
        "ConfigError: ~attack.fprs=[0.1]: deletes attack.fprs only where its value is [0.1], "
        "and attack.fprs holds a list of 3; nothing was run. To change it, give the whole "
        "list: 'attack.fprs=[...]'")  # fmt: skip


def test_a_long_name_of_no_entry_is_clipped(tmp_path):
    line = _last_line("~attack.attacks=[" + "x" * LONG + "]", cwd=tmp_path)
    assert "To leave entries out, delete each by its name (xxxx" in line, line[-400:]
    assert line.endswith(f"x… ({LONG} characters): no entry of it). To delete attack.attacks "
                         "whatever it holds: '~attack.attacks'"), line[-400:]  # fmt: skip
    assert len(line) < 1200, len(line)


def test_an_ordinary_name_of_no_entry_is_said_whole(tmp_path):
    assert _last_line("~attack.attacks=[lira,shokri]", cwd=tmp_path).endswith(
        "To leave entries out, delete each by its name: '~attack.attacks.shokri' (lira: no "
        "entry of it). To delete attack.attacks whatever it holds: '~attack.attacks'")
