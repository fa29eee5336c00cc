"""mia-train '~seed' (deleting a key that other keys read, ``${seed}``) listed seven
knock-on lines, "attack.attacks.shokri.seed: cannot resolve its value (Interpolation key
'seed' not found)" and six more, before the one naming the cause, "seed: missing; ... '~seed'
deletes it". The cause is said first and once (what was deleted, which keys read it, what to
do), the knock-on lines folded into one after it (`override_checks.deleted_said`)."""

from __future__ import annotations

from mia_defense.override_checks import deleted_said
from tests.helpers import refused_before_run_dir

_READERS = ("attack.attacks.{shokri,lira_online,lira_offline,lira_online_augmented,rmia,"
            "label_only,gradient_norm}.seed")


def _problem_lines(stderr: str) -> list[str]:
    """The lines a ConfigError lists (or its one line), from the end of ``stderr``."""
    tail = stderr[stderr.rindex("ConfigError: "):].rstrip().splitlines()
    return [line.strip() for line in tail[1:]] if len(tail) > 1 else [tail[0]]


def test_the_cause_comes_first_and_the_knock_on_lines_are_one(tmp_path):
    stderr = refused_before_run_dir("~seed", cwd=tmp_path)
    lines = _problem_lines(stderr)
    assert "ConfigError: 2 problems in the config:" in stderr, stderr[-2000:]
    assert lines[0] == (f"seed: missing; it is required: '~seed' deletes it, yet 7 keys read "
                        f"it (${{seed}}: {_READERS}); leave that override out")
    assert lines[1] == (f"{_READERS}: cannot resolve their value (Interpolation key 'seed' "
                        f"not found), as '~seed' deletes seed")
    assert stderr.count("Interpolation key") == 1


def test_other_problems_keep_their_place(tmp_path):
    lines = _problem_lines(refused_before_run_dir("train.lr=abc", "~seed", cwd=tmp_path))
    assert len(lines) == 3, lines
    assert lines[0].startswith("train.lr='abc': ")
    assert lines[1].startswith("seed: missing; it is required: '~seed' deletes it, yet 7 keys")


def test_one_reader_of_a_deleted_key_that_is_not_required():
    problems = ["train.lr: cannot resolve its value (Interpolation key 'foo.bar' not found)",
                "other: no"]
    assert deleted_said(problems, ["~foo"]) == [
        "foo: '~foo' deletes it, yet train.lr reads it (${foo.bar}); leave that override out",
        "train.lr: cannot resolve its value (Interpolation key 'foo.bar' not found), as "
        "'~foo' deletes foo",
        "other: no",
    ]


def test_a_key_read_that_no_override_deleted_is_left_as_it_is():
    problems = ["train.lr: cannot resolve its value (Interpolation key 'foo' not found)"]
    assert deleted_said(problems, ["~foobar", "seed=1"]) == problems

