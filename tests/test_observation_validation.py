"""Bad observation files get one clear DataError naming the file and every bad field (issue
20, point 5); outputs stated as logits or probabilities are read as log-probabilities."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
import torch

from mia_defense.api import observations_from_arrays
from mia_defense.errors import DataError
from mia_defense.observations import Observations

K, N, C = 4, 6, 3


def _arrays(**changes: object) -> dict[str, object]:
    """A valid file's arrays (every record IN for 2 of the 4 models), with ``changes``
    (a value of None drops the field)."""
    rng = np.random.default_rng(0)
    masks = np.zeros((K, N), dtype=bool)
    for n in range(N):
        masks[rng.permutation(K)[:2], n] = True
    logits = rng.normal(size=(K, N, C))
    arrays = {
        "log_probs": torch.log_softmax(torch.as_tensor(logits), -1).numpy().astype(np.float32),
        "masks": masks,
        "labels": np.arange(N) % C,
        "schema_version": np.array(2),
    }
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


def _write(tmp_path, **changes: object):
    path = tmp_path / "observations.npz"
    np.savez(path, **_arrays(**changes))
    return path


def _masks_with(column: int, value: bool) -> np.ndarray:
    masks = _arrays()["masks"].copy()
    masks[:, column] = value
    return masks


_LOG_PROBS = _arrays()["log_probs"]
_NAN = _LOG_PROBS.copy()
_NAN[0, 1, 2] = np.nan
_WITHHELD = _LOG_PROBS.copy()
_WITHHELD[1, 4] = -np.inf
_INT_MASKS = _arrays()["masks"].astype(np.int64)
_INT_MASKS[0, 1] = 2
_HALF_MASKS = _arrays()["masks"].astype(np.float64)
_HALF_MASKS[3, 5] = 0.5
_LABELS = np.arange(N) % C
_LABELS[4] = 3

BAD_FILES = {
    "outputs dtype": ({"log_probs": np.zeros((K, N, C), np.int64)},
                      r"log_probs: dtype int64, expected float \[K, N, C\]"),
    "outputs shape": ({"log_probs": np.zeros((K, N), np.float32)},
                      r"inconsistent shapes: log_probs has shape \(4, 6\), expected \[K, N, C\]"),
    "masks shape": ({"masks": np.ones((K, N - 1), bool)},
                    r"inconsistent shapes: masks has shape \(4, 5\) and labels \(6,\), expected "
                    r"\[K, N\] = \[4, 6\]"),
    "labels shape": ({"labels": np.zeros(N + 1, np.int64)},
                     r"inconsistent shapes: masks has shape \(4, 6\) and labels \(7,\)"),
    "labels dtype": ({"labels": np.zeros(N, np.float64)},
                     r"labels: dtype float64, expected integers"),
    "labels range": ({"labels": _LABELS},
                     r"labels: label 3 at \[4\] is outside \[0, 3\) \(C=3 classes"),
    "masks not 0/1": ({"masks": _INT_MASKS},
                      r"masks: values must be 0/1 or true/false \(member or not\), found 2 at "
                      r"\[0, 1\]"),
    "masks fractional": ({"masks": _HALF_MASKS}, r"masks: values must be 0/1 .* found 0.5 at"),
    "masks dtype": ({"masks": np.full((K, N), "y")}, r"masks: dtype <U1, expected bool"),
    "one model": ({"log_probs": _LOG_PROBS[:1], "masks": _arrays()["masks"][:1]},
                  r"log_probs: K=1 model; membership inference compares models .* give K >= 2"),
    "never IN": ({"masks": _masks_with(2, False)},
                 r"masks: record 2 \(1 of 6\) is never IN \(a member of no model\)"),
    "never OUT": ({"masks": _masks_with(0, True)},
                  r"masks: record 0 \(1 of 6\) is never OUT \(a member of every model\)"),
    "no output kind": ({"log_probs": None, "outputs": _LOG_PROBS},
                       r"output_kind: missing; say what outputs holds"),
    "bad output kind": ({"log_probs": None, "outputs": _LOG_PROBS,
                         "output_kind": np.array("softmax")},
                        r"output_kind='softmax': must be one of log_probabilities, "
                        r"probabilities, logits"),
    "kind contradicts log_probs": ({"output_kind": np.array("logits")},
                                   r"output_kind='logits': the file stores log_probs"),
    "logits stated as probabilities": (
        {"log_probs": None, "outputs": _LOG_PROBS + 2.0,
         "output_kind": np.array("probabilities")},
        r"outputs: probabilities must be in \[0, 1\], found -?[\d.]+ at \[0, 0, 0\] "
        r"\(and \d+ more\); if these are logits"),
    "logits stored as log_probs": (
        {"log_probs": _LOG_PROBS + 5.0},
        r"log_probs: log_probabilities must be <= 0 .* if these are logits, say "
        r"output_kind=logits"),
    "NaN": ({"log_probs": _NAN}, r"log_probs: NaN at \[0, 1, 2\]"),
    "infinite logit": ({"log_probs": None, "outputs": np.full((K, N, C), np.inf),
                        "output_kind": np.array("logits")},
                       r"outputs: infinite logit at \[0, 0, 0\]"),
    "all withheld": ({"log_probs": _WITHHELD}, r"log_probs: the output at \[1, 4\] withholds "
                                               r"every class"),
    "test without labels": ({"test_log_probs": _LOG_PROBS[:, :2]},
                            r"test_log_probs: given without test_labels; they go together"),
    "grad_norms shape": ({"grad_norms": np.ones((K, N + 1))},
                         r"inconsistent shapes: grad_norms has shape \(4, 7\)"),
    "augmented predictions dtype": (
        {"augmented_logits": np.zeros((K, 2, N), np.float32),
         "augmented_predictions": np.zeros((K, 2, N), np.float32)},
        r"augmented_predictions: dtype float32, expected integers"),
    "metadata": ({"metadata": np.array("not json")},
                 r"metadata: must be a string holding a JSON object"),
    "no schema_version": ({"schema_version": None},
                          r"schema_version: missing; .* add schema_version=2"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_each_bad_file_is_refused_naming_the_file_and_the_field(tmp_path, case):
    changes, message = BAD_FILES[case]
    path = _write(tmp_path, **changes)
    before = path.read_bytes()
    with pytest.raises(DataError, match=rf"^{path}: (inconsistent arrays \()?{message}"):
        Observations.load(path)
    assert path.read_bytes() == before  # refused, never rewritten


def test_every_problem_is_listed_at_once(tmp_path):
    path = _write(tmp_path, masks=_INT_MASKS, labels=_LABELS)
    with pytest.raises(DataError) as caught:
        Observations.load(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{path}: 2 problems in the observations:"
    assert lines[1].startswith("  labels: label 3") and lines[2].startswith("  masks: values")


def test_arrays_from_python_get_the_same_checks_named_after_the_caller():
    arrays = _arrays()
    with pytest.raises(DataError, match=r"^observations_from_arrays: masks: record 2 \(1 of 6\) "
                                        r"is never IN"):  # fmt: skip
        observations_from_arrays(arrays["log_probs"], _masks_with(2, False), arrays["labels"])


@pytest.mark.parametrize("kind", ["logits", "probabilities", "log_probabilities"])
def test_outputs_of_every_kind_are_read_as_the_same_log_probabilities(tmp_path, kind):
    logits = np.random.default_rng(1).normal(size=(K, N, C)) * 3
    log_probs = torch.log_softmax(torch.as_tensor(logits), -1).numpy()
    outputs = {"logits": logits, "probabilities": np.exp(log_probs),
               "log_probabilities": log_probs}[kind]  # fmt: skip
    path = _write(tmp_path, log_probs=None, outputs=outputs, output_kind=np.array(kind),
                  test_outputs=outputs[:, :2], test_labels=np.array([0, 2]),
                  metadata=np.array(json.dumps({"dataset": "toy"})))  # fmt: skip
    obs = Observations.load(path)
    assert obs.log_probs.dtype == np.float32
    np.testing.assert_allclose(obs.log_probs, log_probs, atol=1e-5)
    np.testing.assert_allclose(obs.test_log_probs, log_probs[:, :2], atol=1e-5)
    assert obs.metadata == {"dataset": "toy"} and obs.test_labels.tolist() == [0, 2]


def test_probabilities_of_zero_are_withheld_values_and_saving_round_trips(tmp_path):
    probs = np.full((K, N, C), 0.5)
    probs[..., 2] = 0.0  # e.g. a top-2 release
    obs = observations_from_arrays(probs, _arrays()["masks"], np.arange(N) % 2,
                                   kind="probabilities", metadata={"model": "mine"})
    assert np.isneginf(obs.log_probs[..., 2]).all()
    obs.save(tmp_path / "o.npz", population_idx=np.arange(N) + 10)
    with np.load(tmp_path / "o.npz") as raw:
        assert str(raw["output_kind"]) == "log_probabilities"
    back = Observations.load(tmp_path / "o.npz")
    assert np.array_equal(back.log_probs, obs.log_probs) and back.metadata == {"model": "mine"}


def test_a_version_2_file_of_before_the_optional_fields_still_loads(tmp_path):
    """Files mia-train wrote before this change: log_probs, masks, labels, version 2 and
    its extras, no output_kind."""
    arrays = _arrays()
    path = _write(tmp_path, is_canary=np.zeros(N, bool), population_idx=np.arange(N))
    obs = Observations.load(path)
    assert np.array_equal(obs.log_probs, arrays["log_probs"]) and obs.test_log_probs is None


def test_probabilities_releasing_every_class_yet_summing_far_below_one_are_refused(tmp_path):
    probs = np.exp(_arrays()["log_probs"]).astype(np.float64)
    masks, labels = _arrays()["masks"], np.arange(N) % C
    with pytest.raises(DataError, match=r"^observations_from_arrays: outputs: the probabilities "
                                        r"of model 0 on record 0 sum to 0.5 \(and 5 more\) with "
                                        r"every class released"):  # fmt: skip
        observations_from_arrays(probs * 0.5, masks, labels, kind="probabilities")
    path = _write(tmp_path, log_probs=np.log(probs * 0.5).astype(np.float32))
    with pytest.raises(DataError, match=r"log_probs: the log_probabilities of model 0 on record"
                                        r" 0 sum to 0.5 .*Give outputs that sum to 1, with "
                                        r"-inf for each class"):  # fmt: skip
        Observations.load(path)
    # a top-1 release (the rest withheld) and a rounded one (0.33 x 3) still pass
    top1 = np.where(probs == probs.max(-1, keepdims=True), probs, 0.0)
    observations_from_arrays(top1, masks, labels, kind="probabilities")
    observations_from_arrays(np.full((K, N, C), 0.33), masks, labels, kind="probabilities")


def test_probabilities_a_little_short_of_one_are_warned_unless_rounded(caplog):
    probs = np.exp(_arrays()["log_probs"]).astype(np.float64)
    masks, labels = _arrays()["masks"], np.arange(N) % C
    with caplog.at_level(logging.WARNING, logger="mia_defense.observations"):
        observations_from_arrays(probs * 0.9, masks, labels, kind="probabilities")
    assert ("observations_from_arrays: outputs: 24 outputs release every class yet sum below "
            "1 (model 0, record 0: 0.9), on no rounding grid") in caplog.text  # fmt: skip
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mia_defense.observations"):
        for passing in (probs, np.round(probs, 2), np.full((K, N, C), 0.33)):
            observations_from_arrays(passing, masks, labels, kind="probabilities")
    assert "sum below 1" not in caplog.text
