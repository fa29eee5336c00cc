"""Config checks added by helper h94: a rounding release that rounds nothing, RelaxLoss's
``upper`` below chance, model sizes checked before the model is built."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from mia_defense.config import check_config
from mia_defense.defenses.relaxloss import RelaxLoss
from mia_defense.defenses.release import RoundingRelease, probe_release
from mia_defense.errors import ConfigError
from mia_defense.models.cnn import SmallCNN


@pytest.mark.parametrize(("decimals", "warned"), [(2, False), (7, False), (8, True), (100, True)])
def test_a_rounding_release_beyond_float32_digits_is_said_to_release_unchanged(
    caplog, decimals: int, warned: bool
) -> None:
    """release=rounding release.decimals=100 released the full outputs without a word."""
    with caplog.at_level(logging.WARNING):
        probe_release(RoundingRelease(decimals=decimals), num_classes=10)
    said = [m for m in caplog.messages if "releases the outputs unchanged" in m]
    assert bool(said) == warned
    if warned:
        assert said[0].startswith(f"release.decimals={decimals}:")
        assert "[0, 7]" in said[0]


@pytest.mark.parametrize(
    ("upper", "classes", "refused"),
    [(0.05, 10, True), (0.1, 10, False), (0.4, 2, True), (0.5, 2, False)],
)
def test_a_relaxloss_upper_below_chance_is_refused(
    upper: float, classes: int, refused: bool
) -> None:
    """defense.relaxloss.upper below 1/C made the flattened target favour every wrong class
    over the true one, and was accepted."""
    relax = RelaxLoss(upper=upper)
    ctx = SimpleNamespace(num_classes=classes)  # (all setup reads)
    if not refused:
        relax.setup(ctx)  # type: ignore[arg-type]
        return
    with pytest.raises(ConfigError, match=rf"defense\.relaxloss\.upper={upper}: below 1/{classes}"):
        relax.setup(ctx)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ("model.hidden=[9223372036854775808]",
         r"^model\.hidden=\[9223372036854775808\]: every width must be an integer in "
         r"\[1, 2147483647\], not 9223372036854775808"),
        ("model.hidden=[2147483648]", r"^model\.hidden=\[2147483648\]: every width must be an "),
        ("+model.pooled=9223372036854775808",
         r"^model\.pooled=9223372036854775808: every width must be an integer in \[1, 128\]"),
        ("+model.pooled=2147483647", r"^model\.pooled=2147483647: .*\[1, 128\]"),
    ],
)  # fmt: skip
def test_a_width_past_torchs_sizes_is_refused_naming_its_key(make_cfg, override, said) -> None:
    """model.hidden=[2**63] and cnn +model.pooled=2**63 ended in torch's 'Overflow when
    unpacking long long' (pooled=2**31-1: in the head's weights), naming no key."""
    model = "model=cnn" if "pooled" in override else "model=mlp"
    with pytest.raises(ConfigError, match=said):
        check_config(make_cfg(model, override))
    check_config(make_cfg(model, "model.hidden=[2147483647]" if model == "model=mlp" else
                          "+model.pooled=128"))


def test_cnn_widths_whose_layer_overflows_are_refused_naming_the_keys() -> None:
    """Widths each in range whose product overflows a layer (a 3x3 conv of 2**31-1 channels
    in and out: 9 x 2**62 weights) ended in torch's overflow text, naming no key."""
    with pytest.raises(ConfigError, match=r"^model\.channels=\[2147483647, 2147483647\], "
                                          r"model\.hidden=8, model\.pooled=2: one layer would "
                                          r"hold 4.15e\+19 weights, past torch's int64 sizes"):
        SmallCNN(input_shape=(1, 8, 8), num_classes=2, channels=[2**31 - 1, 2**31 - 1],
                 hidden=8, pooled=2)  # fmt: skip
    with pytest.raises(ConfigError, match=r"model\.pooled=128: one layer would hold"):
        SmallCNN(input_shape=(1, 8, 8), num_classes=2, channels=[2**31 - 1], hidden=2**31 - 1,
                 pooled=128)  # fmt: skip


def test_a_model_too_large_for_memory_is_refused_before_it_is_built(
    make_cfg, tmp_path, monkeypatch
) -> None:
    """model.hidden=[30000000] (2.25e9 parameters) was built in full (52 s, 9 GB) before the
    memory check refused it: it counted the parameters of a built model. Here 100 MB of
    memory and 7.5e6 parameters stand in for them."""
    from mia_defense import budget
    from mia_defense.cli.build import run
    from mia_defense.models.build import ModelBuilder

    built = []
    real_build = ModelBuilder.__call__

    def counting_build(self, **data):
        built.append(data)
        return real_build(self, **data)

    monkeypatch.setattr(budget, "available_memory", lambda: 10**8)
    monkeypatch.setattr(ModelBuilder, "__call__", counting_build)
    cfg = make_cfg("model=mlp", "model.hidden=[100000]", "plan.num_models=2", "train.epochs=1")
    with pytest.raises(ConfigError, match=r"^model \(7500010 parameters per model\): .* use a "
                                          r"smaller model.*\(plan\.num_models=2\) needs about "):
        run(cfg, tmp_path)
    assert built == []  # refused from the count on the meta device
