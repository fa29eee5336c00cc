"""A defense or release of one's own must go by a name of its own in results.json.

A subclass of TrainingDefense that set no ``name`` carried the base class's ``none``: the
run trained with it was recorded, and ranked by mia-report, as undefended; one named
``dp`` passed for DP-SGD. A Release that set none was recorded as ``full``.
"""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses import (
    DefenseFactory,
    Dropout,
    FullRelease,
    LabelSmoothing,
    Release,
    TrainingDefense,
    check_defenses,
)
from mia_defense.defenses.base import cross_entropy
from mia_defense.defenses.release import probe_release
from mia_defense.errors import ConfigError


class Forgot(TrainingDefense):
    """A user's loss that set no name (inherits 'none')."""

    def loss(self, logits, batch, ctx):
        return cross_entropy(logits, batch, label_smoothing=0.2)


class CalledDp(TrainingDefense):
    name = "dp"


class Empty(TrainingDefense):
    name = ""


class NotAString(TrainingDefense):
    name = None


class WithPlus(TrainingDefense):
    name = "smooth+clip"


class MyDropout(Dropout):
    """A subclass of a built-in keeps the built-in's name."""


class Penalty(TrainingDefense):
    name = "confidence_penalty"


@pytest.mark.parametrize(("defense", "message"), [
    (Forgot(), r"defense tests\.test_hostile_defense_names\.Forgot: it has no name of its own, "
               r"so results.json and mia-report would call the run's defense 'none'.*set a "
               r"class attribute name = 'forgot'"),
    (CalledDp(), r"CalledDp: its name 'dp' is mia-defense's DPSGD's.*name = 'called_dp'"),
    (Empty(), r"Empty: its name '' must be a non-empty string"),
    (NotAString(), r"NotAString: its name None must be a non-empty string"),
    (WithPlus(), r"its name 'smooth\+clip' holds '\+', which joins"),
], ids=["inherited-none", "built-in-name", "empty", "not-a-string", "plus"])
def test_a_defense_that_cannot_go_by_its_name_is_refused_before_training(defense, message):
    with pytest.raises(ConfigError, match=message):
        check_defenses([LabelSmoothing(), defense] if defense.name != "dp" else [defense])


def test_defenses_with_names_of_their_own_pass():
    check_defenses([MyDropout(), Penalty(), TrainingDefense()])
    assert MyDropout().name == "dropout"


def test_a_finished_run_with_a_nameless_defense_still_rebuilds_its_model():
    # load_trained_model rebuilds the stack through DefenseFactory: a run recorded before
    # names were checked must stay loadable
    assert [d.name for d in DefenseFactory([Forgot])()] == ["none"]


class NamelessRelease(Release):
    def __call__(self, logits, generator=None):
        return torch.log_softmax(logits.float() / 2, dim=-1)


class CalledLabelOnly(Release):
    name = "label_only"


class MyFull(FullRelease):
    pass


class Halved(NamelessRelease):
    name = "halved"


@pytest.mark.parametrize(("release", "message"), [
    (NamelessRelease(), r"release tests\.test_hostile_defense_names\.NamelessRelease: it has no "
                        r"name of its own, so results.json and mia-report would call the "
                        r"run's release 'full'.*name = 'nameless_release'"),
    (CalledLabelOnly(), r"its name 'label_only' is mia-defense's LabelOnlyRelease's"),
], ids=["inherited-full", "built-in-name"])
def test_a_release_that_cannot_go_by_its_name_is_refused_before_training(release, message):
    with pytest.raises(ConfigError, match=message):
        probe_release(release, num_classes=10)


@pytest.mark.parametrize("release", [MyFull(), Halved(), Release(), FullRelease()],
                         ids=["full-subclass", "own-name", "base", "full"])
def test_releases_with_names_of_their_own_pass(release):
    probe_release(release, num_classes=10)


@pytest.mark.slow  # ~2 s: mia-train in this process, refused after the data is loaded
def test_mia_train_refuses_a_nameless_defense_in_one_line(tmp_path):
    from tests.helpers import mia_train

    done = mia_train(f"+defense.mine._target_={__name__}.Forgot", "plan.num_models=2",
                     "train.epochs=1", "progress=false", "figures=false",
                     f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert (f"ConfigError: defense {__name__}.Forgot: it has no name of its own"
            in done.stderr)
    assert not (tmp_path / "run" / "results.json").exists()
