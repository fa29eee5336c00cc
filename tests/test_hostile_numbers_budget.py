"""Hostile numbers a defense multiplies training by: refused up front, naming the key.

``defense.advreg.attack_steps=10**30`` and ``defense.distillation.epochs=10**30`` passed every
check and hung in training without a word (the budget counted only the models' own epochs).
"""

from __future__ import annotations

import pytest

from mia_defense.budget import WorkShape, check_budget, defense_work
from mia_defense.defenses import AdversarialRegularization, Distillation, EarlyStopping
from mia_defense.errors import ConfigError

HUGE = 10**30
SIZES = dict(num_models=2, population_size=1000, test_size=797, num_classes=10,
             num_params=9610, num_augmented=0, epochs=1, batch_size=64)  # fmt: skip


def _advreg(**settings):
    return AdversarialRegularization(**settings)


def _distillation(**settings):
    return Distillation(**settings)


def _work(*defenses, reference_size=300, **sizes):
    sizes = {**SIZES, **sizes}
    return defense_work(defenses, WorkShape(
        num_models=sizes["num_models"], members=sizes["population_size"] // 2,
        reference_size=reference_size, num_classes=sizes["num_classes"],
        num_params=sizes["num_params"], epochs=sizes["epochs"],
        batch_size=sizes["batch_size"], chunk_size=32,
    ))  # fmt: skip


def test_advreg_attack_steps_beyond_any_budget_are_refused_by_name():
    with pytest.raises(ConfigError, match=r"^defense\.advreg\.attack_steps=10{30}: the inference "
                       r"models' updates .* over the 24 h limit; lower "
                       r"defense\.advreg\.attack_steps$"):
        check_budget(**SIZES, extra=_work(_advreg(attack_steps=HUGE)))


def test_distillation_epochs_beyond_any_budget_are_refused_by_name():
    with pytest.raises(ConfigError, match=r"^defense\.distillation\.epochs=10{30}: the students' "
                       r"training .* over the 24 h limit; lower defense\.distillation\.epochs$"):
        check_budget(**SIZES, extra=_work(_distillation(epochs=HUGE)))


def test_the_default_defense_settings_pass_and_a_warm_up_or_no_strength_adds_nothing():
    check_budget(**{**SIZES, "epochs": 30},
                 extra=_work(_advreg(), _distillation(), epochs=30))  # fmt: skip
    assert _work(_advreg(attack_steps=HUGE, strength=0.0)) == []
    (game,) = _work(_advreg(attack_steps=HUGE, warmup_epochs=1))  # no epoch of the game
    assert game.flops == 0 and game.steps == 0
    assert _work(_distillation(epochs=HUGE), reference_size=0) == []


def test_students_as_long_as_the_models_name_train_epochs_when_they_alone_overflow():
    # train.epochs alone fits (16 h), the students' as many epochs on 4x the data do not
    sizes = {**SIZES, "population_size": 2000, "epochs": 150_000_000}
    sizes["num_params"] = 300
    extra = _work(_distillation(), reference_size=4000, **sizes)
    with pytest.raises(ConfigError, match=r"^defense\.distillation\.epochs=null: .*; set "
                       r"defense\.distillation\.epochs \(null: train\.epochs=150000000, the "
                       r"students train as long as the models\) or lower train\.epochs$"):
        check_budget(**sizes, extra=extra)


def test_models_over_the_limit_on_their_own_keep_the_train_epochs_message():
    with pytest.raises(ConfigError, match=r"^plan\.num_models=2, train\.epochs=10{30}: training "
                       r"would take about"):
        check_budget(**{**SIZES, "epochs": HUGE}, extra=_work(_advreg(), epochs=HUGE))


@pytest.mark.parametrize(
    "overrides",
    [
        ("defense=advreg", f"defense.advreg.attack_steps={HUGE}"),
        ("defense=distillation", f"defense.distillation.epochs={HUGE}"),
    ],
)
def test_prepare_data_counts_the_defenses_work(make_cfg, overrides):
    from mia_defense.cli.build import build_experiment
    from mia_defense.pipeline.data import prepare_data

    experiment = build_experiment(make_cfg("plan.reference_size=100", *overrides))
    key = overrides[1].split("=")[0].replace(".", r"\.")
    with pytest.raises(ConfigError, match=rf"^{key}=10{{30}}: .* over the 24 h limit"):
        prepare_data(experiment)


def test_augmented_queries_beyond_any_budget_name_their_key_not_train_epochs():
    # the time line advised 'lower plan.num_models, train.epochs or plan.population_size'
    # for train.epochs=1 when attack.queries.num_augmented=10**30 made the queries take 1e21 days
    with pytest.raises(ConfigError) as caught:
        check_budget(**{**SIZES, "num_augmented": HUGE}, memory_bytes=10**40)
    assert str(caught.value).startswith(
        f"attack.queries.num_augmented={HUGE}: the augmented queries "
        "(num_augmented per record and model) would make training take about "
    )
    assert str(caught.value).endswith("over the 24 h limit; lower attack.queries.num_augmented")
    check_budget(**{**SIZES, "num_augmented": 64})


def test_early_stopping_counts_only_the_epochs_it_may_stop_after():
    # train.epochs=10**30 with early stopping was refused as '1.3e+22 days', though early
    # stopping (patience 5) can end every model after 7 epochs: the run stopped after 93
    from mia_defense.budget import earliest_stop

    stopper = EarlyStopping(patience=5)
    assert earliest_stop([stopper], HUGE) == 7 and earliest_stop([], HUGE) == HUGE
    assert earliest_stop([EarlyStopping(patience=HUGE)], 30) == 30
    check_budget(**{**SIZES, "epochs": HUGE}, trained_epochs=7)
    with pytest.raises(ConfigError, match=r"^plan\.num_models=2, train\.epochs=10{30}: "):
        check_budget(**{**SIZES, "epochs": HUGE}, trained_epochs=HUGE + 2)


@pytest.mark.parametrize(("patience", "refused"), [(5, False), (HUGE, True)])
def test_prepare_data_lets_early_stopping_end_a_long_run(make_cfg, patience, refused):
    from mia_defense.cli.build import build_experiment
    from mia_defense.pipeline.data import prepare_data

    experiment = build_experiment(make_cfg(
        "plan.reference_size=100", "defense=early_stopping", f"train.epochs={HUGE}",
        f"defense.early_stopping.patience={patience}",
    ))  # fmt: skip
    if refused:
        with pytest.raises(ConfigError, match=r"^plan\.num_models=\d+, train\.epochs=10{30}: "):
            prepare_data(experiment)
    else:
        prepare_data(experiment)


def test_the_curves_are_counted_every_eval_every_epochs():
    # every epoch was counted: with train.eval_every=1000 the estimate was up to twice the
    # arithmetic, refusing runs that could finish
    from mia_defense.budget import estimate

    sizes = {**SIZES, "epochs": 1000}
    every, rare = estimate(**sizes), estimate(**sizes, eval_every=1000)
    curves = 2 * SIZES["num_params"] * 2 * 999 * (500 + SIZES["test_size"])
    assert every.flops - rare.flops == pytest.approx(curves)
    assert estimate(**sizes, eval_every=300).flops == pytest.approx(rare.flops + curves * 3 / 999)


def test_a_defense_of_your_own_that_answers_the_budget_hooks_wrongly_is_named():
    from mia_defense.budget import earliest_stop
    from mia_defense.defenses import TrainingDefense

    class Odd(TrainingDefense):
        name = "odd"

        def earliest_stop(self, epochs):
            return "soon"

        def extra_work(self, shape):
            return 12

    with pytest.raises(ConfigError, match=r"^defense odd\.earliest_stop\(30\) returned 'soon'"):
        earliest_stop([Odd()], 30)
    with pytest.raises(ConfigError, match=r"^defense odd\.extra_work returned int"):
        _work(Odd())
    assert earliest_stop([TrainingDefense()], 30) == 30 and _work(TrainingDefense()) == []
