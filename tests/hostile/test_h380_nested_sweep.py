"""h380: a sweep written unquoted inside a mapping or list of an override
(``'+hydra.sweeper.params={train.lr:interval(0.01,0.1)}'``, where the README writes the
range in quotes) stopped mia-train with omegaconf's traceback ('Unexpected type annotation:
Set[str]') from the check of Hydra's targets; it is now one ConfigError line, exit 2."""

from __future__ import annotations

import pytest

from mia_defense.cli.arguments import refuse_hydra_targets


@pytest.mark.parametrize(
    ("override", "inner", "sweep"),
    [
        ("+hydra.sweeper.params={train.lr:interval(0.01,0.1)}", "train.lr",
         "interval(0.01, 0.1)"),
        ("hydra.sweeper.params={train.epochs:range(1,3)}", "train.epochs", "range(1, 3, 1)"),
        ("hydra.sweeper.params={x:[1,{y:choice(1,2)}]}", "y", "choice(1, 2)"),
        ("+model.x={a:interval(0,1)}", "a", "interval(0.0, 1.0)"),
    ],
)
def test_nested_sweep_refused_in_one_line(override, inner, sweep, capsys):
    with pytest.raises(SystemExit) as exc:
        refuse_hydra_targets(["-m", "hparams_search=optuna_custom", override])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"ConfigError: {override}: {sweep} inside")
    assert f'{{{inner}: "{sweep}"}}' in err
    assert "\n" not in err


def test_quoted_range_passes(capsys):
    refuse_hydra_targets(["-m", "hparams_search=optuna_custom",
                          '+hydra.sweeper.params={train.lr:"interval(0.01,0.1)"}'])
    assert capsys.readouterr().err == ""
