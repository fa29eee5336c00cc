"""A run that failed on a setting (train.lr=1e-30: 'training changed none of its weights')
with no model saved has nothing to resume: mia-report and a sweep's end said to fix the
cause and run the same command again to resume it, where the same settings fail again and
a fixed one is refused in that folder as another config's run (`failed_on_a_setting`)."""

from __future__ import annotations

import pytest

from mia_defense.report.checks import payload_problem
from mia_defense.tracking import write_json

_SETTING = {"error": "ConfigError", "message": "model 1: training changed none of its weights"}
_DISK = {"error": "DataError", "message": "disk full"}


@pytest.mark.parametrize(("failed", "saved", "said"), [
    (_SETTING, 0, "failed on a setting, not ranked: nothing in it to resume; run its command "
     "with the setting fixed in a new directory, or delete this one first"),
    (_SETTING, 1, "fix its cause, then run its command again with the same directory"),
    (_DISK, 0, "fix its cause, then run its command again with the same directory"),
])  # fmt: skip
def test_the_advice_for_a_failed_run(tmp_path, capsys, sweep_end, failed, saved, said):
    run = tmp_path / "a"
    summary, config = sweep_end.start(tmp_path, runs=[run],
                                      failed=[(run, f"{failed['error']}: {failed['message']}")])
    payload = {"status": "failed", "config": {}, "failed": failed}  # (written in the sweep)
    write_json(run / "results.json", payload)
    (run / "checkpoints").mkdir()
    for k in range(saved):
        (run / "checkpoints" / f"model_{k:04d}.pt").touch()
    assert said in payload_problem(payload, run_dir=run)
    summary.on_multirun_end(config)
    out, err = capsys.readouterr()
    on_a_setting = "1 run(s) of this sweep failed on a setting (results.json says failed, "
    assert (on_a_setting in out + err) is (saved == 0 and failed is _SETTING)
    assert ("and run the same command again to resume them" in out + err) is not (
        saved == 0 and failed is _SETTING)


def test_a_long_failure_keeps_what_to_do():
    # (its first 300 characters cut 'raise the learning rate (train.lr)' from the message)
    message = ("each of the 16 models: training changed none of its weights: " + "x " * 150
               + "; raise the learning rate (train.lr), or make the model's output depend on "
               "its parameters (their gradients were all zero)")
    said = payload_problem({"status": "failed", "failed": {"error": "ConfigError",
                                                           "message": message}})
    assert said.endswith("; raise the learning rate (train.lr), or make the model's output "
                         "depend on its parameters (their gradients were all zero)")
    assert ": ConfigError: each of the 16 models: training changed none of its weights: x" in said
    assert " x ... x " in said and len(said) < len(message)
