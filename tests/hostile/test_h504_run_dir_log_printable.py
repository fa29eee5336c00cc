"""mia-train's run-folder warnings (tracking/run_dir's logger) quote what a results.json
says: a complete run skipped as finished, trained under other library versions, was warned
of with its recorded versions raw, so a results.json whose ``versions.torch`` held a
terminal's escape code cleared the screen (or, with a newline, forged a log line). The
report's loggers had a `PrintableLog` filter for the same reason; run_dir's has it now."""

from __future__ import annotations

import logging

from mia_defense.tracking import run_dir

ESC = "\x1b[2J"


def test_an_argument_holding_an_escape_code_is_logged_without_it(caplog):
    with caplog.at_level(logging.INFO, logger=run_dir.log.name):
        run_dir.log.warning("%s: a warning", f"evil{ESC}\nWARNING all runs verified")
    [record] = [r for r in caplog.records if r.name == run_dir.log.name]
    said = record.getMessage()
    assert "\x1b" not in said and "\n" not in said and "\x1b" not in caplog.text
    assert said == "evil [2J WARNING all runs verified: a warning"


def test_versions_read_from_results_json_are_warned_of_printable(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger=run_dir.log.name):
        run_dir._warn_other_versions(tmp_path, {"torch": f"0.1{ESC}\nx", "numpy": "0.0"})
    said = [r.getMessage() for r in caplog.records if r.name == run_dir.log.name]
    assert len(said) == 1 and "a complete run trained under torch 0.1 [2J x (now" in said[0]
    assert "\x1b" not in said[0] and "\n" not in said[0]
    assert "numpy 0.0 (now" in said[0]
