"""What the kept line after Ctrl-C reads back from an interrupted run's results.json, which
whoever can write the run's folder can edit: the holder line it keeps (``model_store``'s
``waiting_for``) is shown printable, as the lock's own line (test_h349_store_holder_line),
where a terminal escape and a forged second line went raw; a config of other types than
the run wrote gives no chunk remark, where the line ended in a traceback."""

import json
import logging

import pytest

from mia_defense.cli.stopped import say_what_the_run_kept


def test_the_kept_line_shows_a_forged_waiting_for_printable(tmp_path, caplog):
    (tmp_path / "results.json").write_text(json.dumps({"status": "interrupted", "model_store": {
        "model": {"waiting_for": "pid 1 on \x1b]0;owned\x07h\nFAKE LINE" + "x" * 10_000}}}))
    with caplog.at_level(logging.WARNING):
        say_what_the_run_kept(tmp_path)
    said = caplog.records[-1].getMessage()
    assert "the run waited for pid 1 on  ]0;owned h FAKE LINE" in said
    assert said.isprintable() and len(said) < 1_000


@pytest.mark.parametrize("config", [
    [1], {"train": "x"},
    {"train": {"engine": "stacked", "chunk_size": "a"}, "plan": {"num_models": 4}},
    {"train": {"engine": "stacked"}, "plan": {"num_models": "4"}},
])
def test_the_kept_line_of_an_edited_config_has_no_chunk_remark(tmp_path, caplog, config):
    """Before: the kept line's chunk remark read results.json's config as the run wrote it,
    and an edited one ended the Ctrl-C in a traceback ('list' object has no attribute
    'get'; str % int), the line unsaid."""
    (tmp_path / "results.json").write_text(json.dumps({"status": "interrupted",
                                                       "config": config}))
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "model_0000.pt").write_bytes(b"")
    with caplog.at_level(logging.WARNING):
        say_what_the_run_kept(tmp_path)
    assert caplog.records[-1].getMessage().startswith("kept: 1 trained model saved in ")
