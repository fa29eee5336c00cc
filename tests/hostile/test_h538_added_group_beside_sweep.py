"""``mia-train -m 'defense=[dropout],[label_smoothing]' +defense=mixup`` was refused saying
"Hydra keeps only the last, so the sweep would run only +defense=mixup", which is not what
Hydra does: each run's defaults list would get a second defense entry, as the single run
``'defense=[dropout]' +defense=mixup`` is told (4e6200ae, 252f5494). The sweep is now
refused before anything runs in the single run's words, of each run, with the sweep that
stacks each run's defenses (another group: one sweep of its configs); so too a sweep of the
added group (``'defense=[dropout]' +defense=mixup,dp``), which went on to its runs."""

from __future__ import annotations

import pytest

from mia_defense.defaults_list_refusals import added_group_problem
from tests.helpers import mia_train


@pytest.mark.parametrize(("overrides", "advice"), [
    (["defense=[dropout],[label_smoothing]", "+defense=mixup"],
     "Stack each run's defenses as one list: 'defense=[dropout,mixup],[label_smoothing,mixup]'"),
    (["defense=none,dp", "+defense=mixup"],
     "Stack each run's defenses as one list: 'defense=[mixup],[dp,mixup]'"),
    # (a sweep of the added group, let through to the runs before)
    (["defense=[dropout]", "+defense=mixup,dp"],
     "Stack each run's defenses as one list: 'defense=[dropout,mixup],[dropout,dp]'"),
    (["release=topk,noise", "+release=rounding"],
     "Sweep them as one key: release=topk,noise,rounding"),
])  # fmt: skip
def test_a_group_added_beside_its_sweep_is_refused_for_each_run(tmp_path, overrides, advice):
    sweep_dir = tmp_path / "sweep"
    # (train.epochs=0: a sweep let through is refused for it, never trained)
    done = mia_train("-m", *overrides, "plan.num_models=2", "train.epochs=0", "progress=false",
                     f"hydra.sweep.dir={sweep_dir}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert not sweep_dir.exists()
    group = overrides[-1].partition("=")[0].lstrip("+")
    said = [line for line in done.stderr.splitlines() if line.strip()]
    assert said == [
        f"ConfigError: {' '.join(overrides)}: {group} is selected 2 times on the command line, "
        f"and '+' adds a second {group} entry to the defaults list of each run, which takes "
        f"one; nothing was run. {advice}"
    ]
    assert "would run only" not in done.stderr


def test_a_single_run_keeps_its_words_and_other_sweeps_pass():
    assert added_group_problem(["defense=[dropout]", "+defense=mixup"]) == (
        "defense=[dropout] +defense=mixup: defense is selected 2 times on the command line, "
        "and '+' adds a second defense entry to the defaults list, which takes one; nothing "
        "was run. Stack the defenses as one list: 'defense=[dropout,mixup]'")
    assert added_group_problem(["defense=dp,relaxloss", "seed=1,2"]) is None
    assert added_group_problem(["+defense=mixup", "seed=1,2"]) is None
    assert added_group_problem(["defense=dp,relaxloss", "+release=noise"]) is None
