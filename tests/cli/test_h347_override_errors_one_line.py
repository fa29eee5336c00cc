"""A bad override is said in one line, ``ConfigError: what is wrong; what to do``, exit 2,
whichever tool or mode meets it: a config Hydra 1.3 could not compose was printed in its
own form, over several lines for a bad group choice (its options one a line, then Hydra's
search path), and followed by a blank line and 'Set the environment variable
HYDRA_FULL_ERROR=1 for a complete stack trace.'; a refusal by a check before the run
(train.lr=abc) was logged after Hydra's '[DATE TIME][HYDRA] ', and in a sweep (-m) on a line
before the sweep's own ('every point of this sweep would be refused so'). Nothing is made: a
sweep of a key Hydra cannot set (-m plan.foo=1,2; mia-attack's attack.foo=1,2) left its
folder with a multirun.yaml."""

from __future__ import annotations

import pytest

from tests.helpers import mia_attack, mia_train


@pytest.mark.parametrize(
    ("tool", "args", "said"),
    [
        ("train", ("plan.foo=1",), "ConfigError: Could not override 'plan.foo' (Key 'foo' is "
         "not in struct): plan has no key 'foo' (its keys: num_models,"),
        ("train", ("dataset=digitz",), "Could not find 'dataset/digitz': digitz is no option "
         "of the config group dataset (did you mean digits?); nothing was run. Choose one of "
         "breast_cancer, cifar10,"),
        ("train", ("-m", "dataset=digitz"), "Could not find 'dataset/digitz': digitz is no "
         "option"),
        ("train", ("-m", "plan.foo=1,2"), "ConfigError: Could not override 'plan.foo'"),
        ("train", ("+seed=1",), "Could not append to config. An item is already at 'seed'; "
         "either remove + prefix: 'seed=1'; or add"),
        ("train", ("~plan.foo",), "Could not delete from config. 'plan.foo' does not exist"),
        ("train", ("train.lr=1e-3)",), "ConfigError: train.lr=1e-3): Hydra cannot parse this "
         "override (extraneous input ')' expecting <EOF>); nothing was run. Correct it, or "
         "quote a value"),
        ("train", ("-m", "train.lr=[1,2"), "train.lr=[1,2: Hydra cannot parse this override "
         "(no viable alternative at input '[1,2')"),
        ("train", ("seed=1,2",), "ConfigError: seed=1,2: Hydra reads values separated by "
         "commas as a sweep"),
        ("train", ("train.lr=abc",), "ConfigError: train.lr='abc': must be a finite number > 0"),
        ("train", ("-m", "train.lr=abc"), "ConfigError: train.lr='abc': must be a finite "
         "number > 0; every point of this sweep would be refused so (1 of 1;"),
        ("attack", ("attack.foo=1",), "ConfigError: Could not override 'attack.foo'"),
        ("attack", ("attack.bootstrap=abc",), "DataError: src: no observations.npz in it"),
        ("attack", ("-m", "attack.foo=1,2"), "ConfigError: Could not override 'attack.foo'"),
        ("attack", ("attack.bootstrap=1)",), "attack.bootstrap=1): Hydra cannot parse"),
    ],
)  # fmt: skip
def test_a_bad_override_is_one_line_and_exit_2(tmp_path, monkeypatch, tool, args, said):
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    if tool == "train":
        done = mia_train(*args, "hydra.run.dir=out", "hydra.sweep.dir=out", cwd=tmp_path)
    else:
        (tmp_path / "src").mkdir()
        options = [arg for arg in args if arg.startswith("-")]
        done = mia_attack(*options, "src", *[arg for arg in args if arg not in options],
                          "hydra.run.dir=out", "hydra.sweep.dir=out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    kind = "DataError: " if said.startswith("DataError: ") else "ConfigError: "
    assert len(lines) == 1 and lines[0].startswith(kind), done.stderr
    assert said in lines[0]
    assert not (tmp_path / "out").exists()
