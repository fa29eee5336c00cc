"""Red-team cases of the HParams summaries: values protobuf cannot hold."""

from __future__ import annotations

from mia_defense.tracking.hparams import (
    Session,
    experiment_summary,
    session_hparams,
    session_summaries,
)


def test_a_value_that_is_no_utf8_is_written_escaped():
    # a command-line byte that is no UTF-8 (+model.note=$'\xff') reaches the config as a lone
    # surrogate; protobuf's UnicodeEncodeError ended the run after its attacks (exit 1, a
    # traceback, results.json left at 'running')
    hparams = session_hparams({"model.note": "a\udcffb", "model.w\udcff": 1.0})
    assert hparams == {"model.note": "a\\udcffb", "model.w\\udcff": 1.0}
    for summary in session_summaries(hparams, start=0.0, end=1.0):
        summary.SerializeToString()
    experiment_summary([Session("run", hparams, {})], swept=["model.note"]).SerializeToString()
