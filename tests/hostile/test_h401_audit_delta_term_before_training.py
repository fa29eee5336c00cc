"""The one-run audit's bound is swamped by its δ term where 2·m·δ passes 1 (m: the pairs of a
side, K x its canaries per model), whatever its guesses; the run said so only after training:
mia-train defense=dp attack.audit=one_run attack.audit_canaries=100000 (16 models: m=1.6e6,
2·m·δ = 6.3 at δ 2e-6) trained for minutes first, and the default white-box side (1000
gradient canaries per model, δ 2e-4 on digits: 6.3 too) likewise. The run now says it before
training (h401), in the words and with the figures it says after, naming the key, the most
canaries per model that keep 2·m·δ at most 1, and defense.dp.delta where the δ is DP-SGD's."""

from __future__ import annotations

import logging

import pytest

from mia_defense.audit.one_run import delta_term_note
from mia_defense.cli.build import build_experiment, run
from mia_defense.pipeline.data import prepare_data

_PREFIX = "one-run audit ("


def _notes(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.getMessage().startswith(_PREFIX) and "2·m·δ" in r.getMessage()
            and "above 1" in r.getMessage()]  # fmt: skip


def _before(caplog, cfg) -> tuple[list[str], list[int]]:
    with caplog.at_level(logging.WARNING):
        data = prepare_data(build_experiment(cfg))  # (the checks before training)
    notes = _notes(caplog)
    caplog.clear()
    return notes, [int(n) for n in data.plan.masks.sum(axis=1)]


def test_many_input_canaries_are_warned_of_before_training(make_cfg, caplog) -> None:
    """At DP-SGD's default δ, 1/(10·N), the canaries are among the N members: δ falls as
    they are added, so no count is named as enough."""
    cfg = make_cfg("defense=dp", "attack.audit=one_run", "attack.audit_canaries=1000",
                   "attack.white_box=false")  # fmt: skip
    notes, sizes = _before(caplog, cfg)
    delta = 1 / (10 * min(sizes))  # (DP-SGD's δ: the largest of the models', 1/(10·N))
    note = delta_term_note(models=4, per_model=1000, key="attack.audit_canaries",
                           delta=delta, dp_delta=True, moves=True)  # fmt: skip
    assert notes == [f"one-run audit (black_box): {note}"]
    assert (f"attack.audit_canaries=1000 over 4 model(s): m=4000 pairs at δ {delta:.2g}, "
            f"2·m·δ = {8000 * delta:.3g} above 1") in note
    assert note.endswith("lower attack.audit_canaries, or set defense.dp.delta (e.g. 1e-6): "
                         "its default 1/(10·N) falls as the canaries join the N members, "
                         "but slower than m grows")


@pytest.mark.parametrize(("canaries", "warned"), [(626, True), (625, False)])
def test_at_a_delta_set_the_most_canaries_named_are_enough(make_cfg, caplog, canaries,
                                                           warned) -> None:
    """defense.dp.delta=2e-4, 4 models: 2·4·c·2e-4 <= 1 up to c = 625, the count named."""
    cfg = make_cfg("defense=dp", "attack.audit=one_run", f"attack.audit_canaries={canaries}",
                   "attack.white_box=false", "defense.dp.delta=2e-4")  # fmt: skip
    notes = _before(caplog, cfg)[0]
    assert len(notes) == warned
    if warned:
        assert notes[0].endswith("keep attack.audit_canaries at most 625 or lower "
                                 "defense.dp.delta (e.g. 1e-6)")


def test_the_warning_before_is_the_one_after(make_cfg, caplog, tmp_path) -> None:
    """Both sides on the tiny plan (4 x 1000 pairs each, at DP-SGD's default δ): said
    before training, and after it in the same words (the same δ, the same m)."""
    cfg = make_cfg("defense=dp", "attack.audit=one_run", "attack.audit_canaries=1000",
                   "train.epochs=1")  # fmt: skip
    before, _ = _before(caplog, cfg)
    assert [n.split(":")[0] for n in before] == [
        "one-run audit (black_box)", "one-run audit (white_box)"]
    assert "attack.audit_gradient_canaries=1000 over 4 model(s)" in before[1]
    with caplog.at_level(logging.WARNING):
        run(cfg, tmp_path / "run")
    assert _notes(caplog) == before * 2  # (the checks before training, then the audit's)


@pytest.mark.parametrize("overrides", [
    ("defense=dp", "attack.audit=one_run", "defense.dp.delta=1e-6"),  # the README's advice
    ("defense=dp", "attack.audit=one_run", "attack.white_box=false"),  # 4 x 100 pairs
    ("defense=dp", "attack.audit_canaries=100000"),  # no audit
    ("defense=dp", "attack.audit=one_run", "train.engine=opacus", "attack.white_box=true",
     "attack.audit_canaries=10"),  # (the gradient canaries ride on the stacked engine only)
])  # fmt: skip
def test_no_warning_where_the_delta_term_stays_small(make_cfg, caplog, overrides) -> None:
    assert _before(caplog, make_cfg(*overrides))[0] == []


def test_without_dp_the_audit_s_own_delta_is_named_not_dp_s(make_cfg, caplog) -> None:
    """No DP-SGD: the audit's bound is at its own δ 1e-5 (`DEFAULT_DELTA`), and there is no
    defense.dp.delta to lower."""
    cfg = make_cfg("attack.audit=one_run", "attack.audit_canaries=20000")
    (note,) = _before(caplog, cfg)[0]
    assert note == ("one-run audit (black_box): attack.audit_canaries=20000 over 4 model(s): "
                    "m=80000 pairs at δ 1e-05, 2·m·δ = 1.6 above 1, where the bound's δ term "
                    "dominates, so the audit shows next to nothing whatever its guesses; keep "
                    "attack.audit_canaries at most 12500")
