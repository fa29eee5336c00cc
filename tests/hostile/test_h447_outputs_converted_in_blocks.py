"""api.observations_from_arrays took about 4x its outputs on top of them for logits (610 MiB
more for 152 MiB of K=4 x N=50 x C=200,000; 4.1 GB RSS at C=10^6): the range check and the
conversion each took a float64 log-softmax of the whole array, the value checks bool masks
of it, the mass notes and the normalisation check a model's float64 probabilities (and
their exp); probabilities took 2.5x (a clip, its log, the cast), log-probabilities 1.5x.
They now read the outputs a block of rows at a time (`_blocks`), with the same
log-probabilities and the same words."""

from __future__ import annotations

import logging
import tracemalloc

import numpy as np
import pytest

from mia_defense import api, observation_checks
from mia_defense.errors import DataError


def _outputs(kind: str, shape: tuple[int, int, int], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal(shape, dtype=np.float32) * 3
    if kind == "logits":
        return logits
    log_probs = logits - logits.max(axis=-1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(axis=-1, keepdims=True))
    return log_probs if kind == "log_probabilities" else np.exp(log_probs)


def _masks(k: int, n: int) -> np.ndarray:
    masks = np.random.default_rng(1).random((k, n)) < 0.5
    masks[0] = ~masks[1]
    return masks


@pytest.mark.parametrize("kind", ["logits", "probabilities", "log_probabilities"])
def test_the_outputs_are_converted_without_copies_of_the_whole_array(kind, monkeypatch):
    # (small blocks: what is measured is what grows with the outputs, not a block's few MiB)
    monkeypatch.setattr(observation_checks, "_BLOCK_CELLS", 2**16, raising=False)
    k, n, c = 2, 100, 50_000  # (a model's float64 copy: 38 MiB)
    outputs = _outputs(kind, (k, n, c))  # (38 MiB of float32)
    masks, labels = _masks(k, n), np.arange(n) % c
    tracemalloc.start()
    try:
        obs = api.observations_from_arrays(outputs, masks, labels, kind=kind)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert obs.log_probs.dtype == np.float32 and obs.log_probs.shape == (k, n, c)
    # the float32 log-probabilities themselves (a copy of ours), and a little more
    bound = outputs.nbytes * 5 // 4
    assert peak < bound, (f"{kind}: {peak / 2**20:.0f} MiB on top of {outputs.nbytes / 2**20:.0f} "
                          f"MiB of outputs (bound {bound / 2**20:.0f})")  # fmt: skip


def _said(outputs: np.ndarray, kind: str, caplog: pytest.LogCaptureFixture) -> tuple:
    """The log-probabilities (or the error) and the warnings of ``outputs``."""
    caplog.clear()
    k, n, _ = outputs.shape
    with caplog.at_level(logging.WARNING):
        try:
            obs = api.observations_from_arrays(outputs, _masks(k, n), np.arange(n) % 3, kind=kind)
            said = obs.log_probs.tobytes()
        except DataError as exc:
            said = str(exc)
    return said, [r.getMessage() for r in caplog.records]


def _cases() -> list[tuple[str, np.ndarray, str]]:
    logits = _outputs("logits", (3, 40, 50))
    cases = [("plain logits", logits, "logits")]
    for kind in ("logits", "log_probabilities", "probabilities"):
        values = _outputs(kind, (3, 40, 50), seed=2).astype(np.float64)
        nan = values.copy()
        nan[1, 7, 3] = nan[2, 0, 1] = np.nan
        cases.append((f"NaN in {kind}", nan, kind))
        cases.append((f"{kind} in float16", values.astype(np.float16), kind))
    infinite = logits.copy()
    infinite[1, 7, 3], infinite[2, 1, 1] = np.inf, -np.inf
    far = logits.astype(np.float64)
    far[1, 2, 3], far[1, 2, 4], far[2, 0, 0] = 1e300, -1e300, -3e300
    low = _outputs("log_probabilities", (3, 40, 50)).astype(np.float64)
    low[1, 2, 3] = low[2, 5, 1] = -1e300
    above = _outputs("log_probabilities", (3, 40, 50))
    above[2, 3, 4] = above[2, 9, 9] = 0.5
    withheld = np.full((3, 40, 50), -np.inf, np.float32)
    withheld[..., 0] = 0
    withheld[1, 5] = withheld[2, 9] = -np.inf
    probs = _outputs("probabilities", (3, 40, 50), seed=3).astype(np.float64)
    some = probs.copy()
    some[1, 17:30] *= 1.01
    cases += [("infinite logits", infinite, "logits"), ("logits too far apart", far, "logits"),
              ("log-probabilities below float32", low, "log_probabilities"),
              ("log-probabilities above 0", above, "log_probabilities"),
              ("outputs that withhold every class", withheld, "log_probabilities"),
              ("probabilities scaled down", probs * 0.9, "probabilities"),
              ("probabilities scaled up", probs * 1.01, "probabilities"),
              ("some rows of a model scaled up", some, "probabilities"),
              ("probabilities rounded", np.round(probs, 2), "probabilities")]  # fmt: skip
    # outputs that are no distribution (`normalisation_problems`): the first model's first
    for kind in ("probabilities", "log_probabilities"):
        rows = _outputs("probabilities", (3, 40, 6), seed=4).astype(np.float64)
        excess, short, low = rows.copy(), rows.copy(), rows.copy()
        excess[2, 9] *= 3
        excess[2, 30] *= 3
        excess[1, 33] *= 2.5
        excess[1, 3] *= 0.5  # (short, and first in model 1: the excess is named first)
        short[1, 11] *= 0.5
        short[1, 20] *= 0.4
        short[2, 1] *= 0.3
        low[0, 25:27] = 0.0
        low[0, 25, :3], low[0, 26, 0] = 1e-4, 1e-5
        for what, values in (("excess", excess), ("short", short), ("low top", low)):
            with np.errstate(divide="ignore"):
                given = values if kind == "probabilities" else np.log(values)
            cases.append((f"{kind}: {what}", given, kind))
    empty = np.log(_outputs("probabilities", (3, 40, 6), seed=5).astype(np.float64))
    empty[1, 3], empty[1, 8], empty[2, 0] = -800, -900, -1000
    cases.append(("log-probabilities all below -745", empty.copy(), "log_probabilities"))
    empty[0, 39] -= 0.5
    cases.append(("a model short before one empty", empty, "log_probabilities"))
    return cases


@pytest.mark.parametrize(("name", "outputs", "kind"), _cases(), ids=[c[0] for c in _cases()])
def test_blocks_of_rows_say_what_the_whole_array_says(name, outputs, kind, caplog, monkeypatch):
    whole = _said(outputs, kind, caplog)  # (3 x 40 x 50: one block)
    for cells in (1, 7, 50 * 3, 50 * 40 + 1):  # a cell, part of a row, rows, a model and more
        monkeypatch.setattr(observation_checks, "_BLOCK_CELLS", cells)
        assert _said(outputs, kind, caplog) == whole, f"{name}, blocks of {cells} cells"
