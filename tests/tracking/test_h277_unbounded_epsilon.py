"""A run whose ε is ∞ says so in TensorBoard instead of showing an empty chart.

Measured (h277, digits, K=4, 3 epochs): ``defense=dp 'defense.dp={target_epsilon:null,
noise_multiplier:0}'`` wrote ``defense/epsilon`` as ∞ at each epoch; TensorBoard served the
points as "Infinity" and drew nothing: the run was missing from the ε chart, with no word of
why, and its summary card read ``privacy/epsilon | inf``.
"""

from __future__ import annotations

import math

from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from mia_defense.tracking.tensorboard import log_run, summary_table
from mia_defense.training.loop import EpochRecord, ModelHistory


def _events(log_dir):
    """tag -> [(step, value or text)] of the scalars and text cards under ``log_dir``."""
    out: dict[str, list] = {}
    for path in sorted(log_dir.glob("events.out.tfevents.*")):
        for event in EventFileLoader(str(path)).Load():
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name
                if plugin == "text":
                    item = value.tensor.string_val[0].decode()
                elif value.HasField("simple_value") or plugin == "scalars":
                    item = value.simple_value if value.HasField("simple_value") else (
                        value.tensor.float_val[0])  # fmt: skip
                else:
                    continue
                out.setdefault(value.tag, []).append((event.step, item))
    return out


def test_an_unbounded_epsilon_is_said_not_drawn(tmp_path):
    history = ModelHistory(epochs=[EpochRecord(e, 1.0, 0.5, 1.2, 0.3) for e in range(3)],
                           epoch_stats=[{"epsilon": math.inf}] * 3)  # fmt: skip
    bounded = ModelHistory(epochs=history.epochs,
                           epoch_stats=[{"epsilon": 2.0}, {"epsilon": 3.0}, {"epsilon": 4.0}])
    for name, run in (("inf", history), ("eight", bounded)):
        log_run(tmp_path / name, histories=[run], hparams={"defense": "dp"}, attacks={},
                figures=False, scalars={"utility/test_accuracy": 0.8,
                                        "privacy/epsilon": math.inf})  # fmt: skip
    unbounded, finite = _events(tmp_path / "inf"), _events(tmp_path / "eight")
    assert "defense/epsilon" not in unbounded  # no point TensorBoard cannot draw
    ((_, note),) = unbounded["defense/epsilon/text_summary"]  # (add_text's tag)
    assert "ε = ∞ (unbounded) at every epoch from 1 on" in note
    assert [v for _, v in finite["defense/epsilon"]] == [2.0, 3.0, 4.0]  # unchanged
    assert "| privacy/epsilon | ∞ (unbounded: no privacy guarantee) |" in summary_table(
        {"privacy/epsilon": math.inf})
