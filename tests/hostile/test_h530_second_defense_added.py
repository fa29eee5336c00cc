"""A second config of a group added with "+" beside another selection of it (helper 530).

``mia-train 'defense=[dropout,label_smoothing]' +defense=mixup`` ran without mixup: Hydra
composed the list alone, results.json named ``dropout+label_smoothing``, and the one line
said of it was a WARNING that "the run uses defense='mixup'". ``defense=dp
+defense=label_smoothing`` was told to "Write defense=label_smoothing instead", which run
drops DP-SGD (Hydra keeps the last ``defense=``), and ``+defense=dp +defense=label_smoothing``
to write ``defense=dp``, refused again beside ``+defense=label_smoothing``. Each is refused
now before anything runs, naming the list that stacks them. Other groups take one config:
``'release=[topk]' +release=noise`` ran topk, warned that "the run uses release='noise'"; it
is told to select one.
"""

from __future__ import annotations

import pytest

from tests.helpers import refused_before_run_dir


@pytest.mark.parametrize(("overrides", "stack"), [
    # was run without mixup, warned "the run uses defense='mixup'"
    (["defense=[dropout,label_smoothing]", "+defense=mixup"],
     "'defense=[dropout,label_smoothing,mixup]'"),
    # were told to write the added defense alone
    (["defense=dp", "+defense=label_smoothing"], "'defense=[dp,label_smoothing]'"),
    (["+defense=dp", "+defense=label_smoothing"], "'defense=[dp,label_smoothing]'"),
])  # fmt: skip
def test_a_defense_added_beside_others_is_told_to_stack_them(tmp_path, overrides, stack):
    said = refused_before_run_dir(*overrides, "plan.num_models=2", "train.epochs=1",
                                  cwd=tmp_path)  # fmt: skip
    assert (f"ConfigError: {' '.join(overrides)}: defense is selected 2 times on the command "
            "line, and '+' adds a second defense entry to the defaults list, which takes one; "
            f"nothing was run. Stack the defenses as one list: {stack}") in said.splitlines()
    assert "the run uses" not in said  # (the warning of a run that never starts)


@pytest.mark.parametrize(("overrides", "choose"), [
    # ran release=topk, warned "the run uses release='noise'"
    (["release=[topk]", "+release=noise"], "Select one: release=topk or release=noise"),
    # ran the MLP, warned of the cnn
    (["model=[mlp]", "+model=cnn"], "Select one: model=mlp or model=cnn"),
    # was told to write experiment=tradeoff_dp, which config.yaml's defaults list lacks
    (["+experiment=tradeoff_dp", "+experiment=tradeoff_release"],
     "Select one: +experiment=tradeoff_dp or +experiment=tradeoff_release"),
])  # fmt: skip
def test_a_config_added_beside_another_of_its_group_is_told_to_select_one(
    tmp_path, overrides, choose
):
    group = overrides[1].lstrip("+").partition("=")[0]
    said = refused_before_run_dir(*overrides, "plan.num_models=2", "train.epochs=1",
                                  cwd=tmp_path)  # fmt: skip
    assert (f"ConfigError: {' '.join(overrides)}: {group} is selected 2 times on the command "
            f"line, and '+' adds a second {group} entry to the defaults list, which takes one; "
            f"nothing was run. {choose}") in said.splitlines()
