"""A ``_target_`` naming a class of the wrong kind for its key: one line naming the key,
before any data is loaded.

``defense.dropout._target_=torch.nn.Dropout`` was refused only after the data was loaded, as
'defense: Dropout is not a TrainingDefense' (no key); ``defense.dropout._target_=
mia_defense.models.MLP`` as three lines about MLP's keys; ``model._target_=
mia_defense.defenses.Dropout`` and ``release._target_=mia_defense.defenses.Dropout`` after
the data was loaded.
"""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["model=custom", "model._target_=mia_defense.defenses.Dropout"],
         r"^model\._target_='mia_defense\.defenses\.Dropout': Dropout is not a torch\.nn\.Module;"
         r" point it at a torch\.nn\.Module subclass or a function that returns one"),
        (["defense=dropout", "defense.dropout._target_=torch.nn.Dropout"],
         r"^defense\.dropout\._target_='torch\.nn\.Dropout': Dropout is not a training defense; "
         r"point it at a subclass of mia_defense\.defenses\.TrainingDefense"),
        (["defense=dropout", "defense.dropout._target_=mia_defense.models.MLP"],
         r"^defense\.dropout\._target_='mia_defense\.models\.MLP': MLP is not a training "
         r"defense;"),
        (["defense=dropout", "defense.dropout._target_=mia_defense.defenses.TopKRelease"],
         r"^defense\.dropout\._target_='mia_defense\.defenses\.TopKRelease': TopKRelease is "
         r"not a training defense \(a release goes under release=, e.g\. release=topk\);"),
        (["release=topk", "release._target_=mia_defense.defenses.Dropout"],
         r"^release\._target_='mia_defense\.defenses\.Dropout': Dropout is not a release; point "
         r"it at a subclass of mia_defense\.defenses\.Release"),
    ],
)
def test_a_class_of_the_wrong_kind_is_refused_by_its_key(make_cfg, overrides, message):
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(*overrides))


def test_functions_and_classes_of_the_right_kind_pass(make_cfg):
    check_config(make_cfg("model=custom", "model._target_=torch.nn.Linear",
                          "+model.in_features=64", "+model.out_features=10"))  # fmt: skip
    check_config(make_cfg("defense=dropout", "release=topk"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # Hydra's 'TypeError: Instantiation: _partial_ flag must be a bool' after the data
        # was loaded, exit 1
        (["attack.attacks.loss._partial_=1"],
         r"^attack\.attacks\.loss\._partial_=1: must be true or false \(Hydra's flag\)$"),
        (["model._partial_=1"], r"^model\._partial_=1: must be true or false"),
        (["+attack.attacks.loss._convert_=everything"],
         r"^attack\.attacks\.loss\._convert_='everything': must be one of none, partial, "
         r"object, all"),
        (["+attack.attacks.loss._args_=3"],
         r"^attack\.attacks\.loss\._args_=3: must be a list of positional arguments"),
        # called while the config was built: 'cannot build it from the config: Error in call
        # to target ... TypeError("loss_attack() missing 2 required positional arguments")'
        (["attack.attacks.loss._partial_=false"],
         r"^attack\.attacks\.loss\._partial_=false: the attack takes obs, targets when it runs "
         r".*; set attack\.attacks\.loss\._partial_=true$"),
        (["+attack.attacks.mine={_target_: mia_defense.attacks.loss_attack}"],
         r"^attack\.attacks\.mine: the attack takes obs, targets when it runs .*; set "
         r"\+attack\.attacks\.mine\._partial_=true$"),
    ],
)
def test_hydras_own_keys_are_checked_by_name(make_cfg, overrides, message):
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(*overrides))


def make_attack(threshold: float = 0.5):
    """A user's attack factory: Hydra calls it while the config is built."""
    return lambda obs, targets: threshold


def test_an_attack_factory_called_while_the_config_is_built_passes(make_cfg):
    # it has every argument, so it needs no _partial_
    check_config(make_cfg(f"+attack.attacks.mine={{_target_: {__name__}.make_attack}}",
                          "+attack.attacks.loss._convert_=all"))  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # 'model._target_=None: cannot import it (... No module named 'None' ...)'
        (["model._target_=null"], r"^model\._target_=null: must be the dotted name of a class "
         r"or function, e.g\. mia_defense\.models\.MLP$"),
        (["dataset._target_=123"], r"^dataset\._target_=123: must be the dotted name"),
        # a module passed every check and failed when Hydra called it
        (["model._target_=torch.nn"], r"^model\._target_='torch\.nn': is a module, not a class "
         r"or function; name one of its classes or functions \(e\.g\. mia_defense\.models\.MLP"),
        (["attack.attacks.loss._target_=mia_defense.attacks"],
         r"^attack\.attacks\.loss\._target_='mia_defense\.attacks': is a module, .*\(e\.g\. "
         r"mia_defense\.attacks\.lira\)$"),
    ],
)
def test_a_target_that_names_no_class_or_function_is_refused(make_cfg, overrides, message):
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(*overrides))
