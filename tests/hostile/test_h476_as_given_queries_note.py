"""mia-attack of observations without perturbed queries (a run's observations.npz with its
augmented arrays removed, attacked as given: mia-attack bare.npz attack.bootstrap=0) ended
in 'READ WITH CARE: ... its label attack (label_only) had no perturbed copies to query
(attack.queries.num_augmented=0) ...', a setting the user never gave (mia-attack records the
count the file holds, and refuses the setting). It now says what the observations lack;
mia-train's run keeps the setting's name."""

from __future__ import annotations

from typing import Any

from mia_defense.report.checks import run_end_lines


def _payload(*, as_given: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "released_labels_only": True,
        "defense": {"defense": "none", "release": "unknown" if as_given else "label_only"},
        "attacks": {"label_only": {"access": "label"}, "loss": {"access": "outputs"}},
        "config": {"attack": {"queries": {"num_augmented": 0, "noise_std": None}}},
    }
    if as_given:
        payload["source"] = {"kind": "observations", "path": "/tmp/bare.npz"}
    return payload


def _queries_note(payload: dict[str, Any]) -> str:
    (line,) = [line for line in run_end_lines(payload) if "perturbed copies" in line]
    return line


def test_observations_attacked_as_given_are_told_what_they_lack() -> None:
    line = _queries_note(_payload(as_given=True))
    assert "num_augmented=0" not in line
    assert ("its label attack (label_only) had no perturbed copies to query (its observations "
            "hold none, no augmented_logits)") in line  # fmt: skip


def test_a_mia_train_run_keeps_the_setting_s_name() -> None:
    line = _queries_note(_payload(as_given=False))
    assert "to query (attack.queries.num_augmented=0)" in line
