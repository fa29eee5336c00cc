"""The holder line an interrupted run's results.json keeps (``model_store``'s
``waiting_for``) is read back for the kept line after Ctrl-C: results.json is written by
whoever can write the run's folder, so it is shown printable, as the lock's own line
(test_h349_store_holder_line): a terminal escape and a forged second line went raw."""

import json
import logging

from mia_defense.cli.train import _say_what_the_run_kept


def test_the_kept_line_shows_a_forged_waiting_for_printable(tmp_path, caplog):
    (tmp_path / "results.json").write_text(json.dumps({"status": "interrupted", "model_store": {
        "model": {"waiting_for": "pid 1 on \x1b]0;owned\x07h\nFAKE LINE" + "x" * 10_000}}}))
    with caplog.at_level(logging.WARNING):
        _say_what_the_run_kept(tmp_path)
    said = caplog.records[-1].getMessage()
    assert "the run waited for pid 1 on ?]0;owned?h?FAKE LINE" in said
    assert said.isprintable() and len(said) < 1_000
