"""Small leftovers of the API (h259): attack_settings took num_classes=1 (every dataset,
loader and observations file needs at least 2 classes); NaN or infinite metadata was saved
as null without a word; observations_from_arrays' kind=5 (a caller's setting) was a
DataError (tests/test_api_h78_arguments.py pins it); make_plan's float y a ConfigError where
observe_models' was a DataError (labels are data: tests/test_api.py pins it); api.audit's
table left out mia-train's NEAR CHANCE line (mia-attack's has it: record_run sets test_size)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError


def _arrays(num_models=4, n=30, classes=3):
    rng = np.random.default_rng(0)
    masks = np.zeros((num_models, n), bool)
    masks[: num_models // 2, ::2] = masks[num_models // 2 :, 1::2] = True
    return rng.normal(size=(num_models, n, classes)), masks, rng.integers(0, classes, n)


@pytest.mark.parametrize("classes", [1, 0])
def test_attack_settings_needs_two_classes(classes) -> None:
    with pytest.raises(ConfigError, match=rf"attack_settings: num_classes={classes}: must be "
                       r"an integer >= 2, the observations' own"):  # fmt: skip
        api.attack_settings(api.attack_config([]), num_models=4, num_classes=classes,
                            defended=True)  # fmt: skip


def test_nonfinite_metadata_saved_as_null_is_said(tmp_path, caplog) -> None:
    outputs, masks, labels = _arrays()
    with caplog.at_level("WARNING"):
        made = api.observations_from_arrays(
            outputs, masks, labels, kind="logits",
            metadata={"loss": float("nan"), "curve": np.array([1.0, np.inf]), "ok": 1.5},
        )  # fmt: skip
    said = [r.getMessage() for r in caplog.records if "metadata" in r.getMessage()]
    assert len(said) == 1
    assert ("observations_from_arrays: metadata: loss=nan, curve[1]=inf: JSON has no NaN or "
            "infinite number, so they are saved as null") in said[0]
    assert made.metadata == {"loss": None, "curve": [1.0, None], "ok": 1.5}  # as before
    caplog.clear()
    with caplog.at_level("WARNING"):
        made.save(tmp_path / "a.npz")  # already null: nothing more to say
        assert made.saved_sha256()  # (no save: no warning)
    assert "metadata" not in caplog.text
    built = api.Observations(made.log_probs, made.labels, made.masks,
                             metadata={"eps": float("-inf")})  # fmt: skip
    with caplog.at_level("WARNING"):
        built.saved_sha256()
        assert "metadata" not in caplog.text
        built.save(tmp_path / "b.npz")
    assert "b.npz: metadata: eps=-inf: JSON has no NaN" in caplog.text
    assert api.load_observations(tmp_path / "b.npz").metadata == {"eps": None}


def test_audit_table_says_near_chance_as_mia_train_does() -> None:
    """Test accuracy 0.65 against chance 0.60 on 100 test records (95% interval reaching
    0.55): mia-train's table says NEAR CHANCE under the verdict; api.audit's did not."""
    outputs, masks, labels = _arrays(classes=2, n=40)
    test_labels = np.repeat([0, 1], [60, 40])
    test = np.zeros((4, 100, 2))
    test[:, :, 0] = 3.0
    test[:, 60:65] = [0.0, 3.0]  # right on 60 + 5 records
    audit = api.audit(api.observations_from_arrays(
        outputs, masks, labels, kind="logits", test_outputs=test, test_labels=test_labels),
        overrides=["attack.bootstrap=0", "~attack.attacks.shokri"])  # fmt: skip
    assert audit.result.utility["test_accuracy"] == pytest.approx(0.65)
    lines = audit.table().splitlines()
    near = [i for i, line in enumerate(lines) if line.startswith("NEAR CHANCE: ")]
    assert len(near) == 1 and "on its 100 test records" in lines[near[0]]
    assert near[0] > next(i for i, line in enumerate(lines)
                          if line.startswith("strongest attack at"))  # fmt: skip
