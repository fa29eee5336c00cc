"""A stack of the user's own defenses (by ``_target_``, README "A defense of your own") is
checked by mia-train's config check, before the run directory is made, as a stack of
mia-defense's is: its defenses are built as the pipeline builds them (their module is
imported by the config check already) and join the stack's checks. A class without a name of
its own, two that each define the loss, one that needs the reference split at
plan.reference_size=0, or an order that is no number were refused only once the data was
loaded, leaving the run folder with the error's log. Same messages as the pipeline's (h111)."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config, check_defense_stack
from mia_defense.defenses import TrainingDefense
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


class NoName(TrainingDefense):
    pass


class LossA(TrainingDefense):
    name = "loss_a"

    def loss(self, logits, batch, ctx):
        return None


class LossB(LossA):
    name = "loss_b"


class Needy(TrainingDefense):
    name = "needy"
    needs_reference = True


class Unordered(TrainingDefense):
    name = "unordered"
    order = None


class Fussy(TrainingDefense):
    """Refuses its value as mia-defense's own defenses do."""

    name = "fussy"

    def __init__(self, strength: float = 1.0) -> None:
        if strength < 0:
            raise ConfigError(f"defense.fussy.strength={strength}: must be >= 0")
        self.strength = strength


class Broken(TrainingDefense):
    name = "broken"

    def __init__(self) -> None:
        raise RuntimeError("a bug of the user's")


class Talkative(TrainingDefense):
    name = "talkative"

    def __init__(self) -> None:
        print("building talkative")


def _own(key: str, cls: type) -> str:
    return f"+defense.{key}._target_={__name__}.{cls.__name__}"


CASES = [
    ([_own("mine", NoName)],
     f"defense {__name__}.NoName: it has no name of its own, so results.json and mia-report "
     "would call the run's defense 'none', as if it had none; set a class attribute name = "
     "'no_name' (any name of its own)"),
    ([_own("a", LossA), _own("b", LossB)],
     "defense: ['loss_a', 'loss_b'] each define the training loss and only one can; keep one "
     "of them"),
    ([_own("mine", Needy), "plan.reference_size=0"],
     "defense: ['needy'] need data outside the membership population: set "
     "plan.reference_size (e.g. plan.reference_size=300)"),
    (["defense=dp", _own("mine", Unordered)],
     f"defense {__name__}.Unordered: its order None must be a finite number (lower sets up "
     "first: DP-SGD's is 0, mixup's 10, most defenses' 50, distillation's 90); set the class "
     "attribute order, or leave it out for 50"),
    ([_own("fussy", Fussy), "+defense.fussy.strength=-1"],
     "defense.fussy.strength=-1: must be >= 0"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), CASES,
                         ids=["no-name", "two-losses", "no-reference", "order", "own-refusal"])
def test_a_stack_of_ones_own_defenses_is_checked_up_front(make_cfg, overrides, message):
    cfg = make_cfg(*overrides)
    check_config(cfg)  # (its values each pass: the stack is what is refused)
    with pytest.raises(ConfigError) as info:
        check_defense_stack(cfg)
    assert str(info.value) == message


def test_mia_train_leaves_no_run_directory_for_two_losses_of_ones_own(tmp_path):
    stderr = refused_before_run_dir(_own("a", LossA), _own("b", LossB), cwd=tmp_path)
    assert "ConfigError: defense: ['loss_a', 'loss_b'] each define the training loss" in stderr


def test_a_defense_whose_constructor_fails_is_left_to_the_pipeline(make_cfg):
    """(which names what it raised, once built: 'defense.broken: cannot build it ...')"""
    check_defense_stack(make_cfg(_own("broken", Broken)))


def test_sound_stacks_of_ones_own_pass_and_a_print_goes_to_stderr(make_cfg, capsys):
    check_defense_stack(make_cfg(_own("a", LossA)))
    check_defense_stack(make_cfg(_own("a", LossA), "defense=dp"))
    check_defense_stack(make_cfg(_own("mine", Needy), "plan.reference_size=50"))
    check_defense_stack(make_cfg(_own("fussy", Fussy), "+defense.fussy.strength=2"))
    check_defense_stack(make_cfg(_own("talk", Talkative)))
    said = capsys.readouterr()
    assert "building talkative" in said.err and said.out == ""
