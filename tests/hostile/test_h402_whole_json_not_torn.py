"""mia-report skipped a results.json of a number thousands of digits long with 'not valid
JSON (Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits;
use sys.set_int_max_str_digits() to increase the limit); the run was probably interrupted',
and one nested deeper than the JSON parser goes with '... maximum recursion depth exceeded
...; the run was probably interrupted': Python's advice to a programmer, and a cause no
interrupted write gives (a torn file is cut short, never nested or numbered past what any run
writes). Such a file is now 'not a file mia-defense writes'; a file cut short still reads
'probably interrupted'."""

from __future__ import annotations

import pytest

from mia_defense.report.runs import load_runs
from tests.report.fake_runs import make_run


@pytest.mark.parametrize(("text", "said"), [
    ('{"status": "complete", "x": ' + "9" * 5000 + "}",
     "not valid JSON (Exceeds the limit (4300 digits) for integer string conversion: value "
     "has 5000 digits); not a file mia-defense writes: remove it or choose another directory"),
    ("[" * 100_000 + "]" * 100_000, "); not a file mia-defense writes: remove it or choose "
     "another directory"),
    ('{"status": "comp', "); the run was probably interrupted"),
])
def test_the_reason_fits_the_file(tmp_path, text, said):
    run_dir = tmp_path / "run"
    make_run(run_dir, test_accuracy=0.8, signal=0.3)
    (run_dir / "results.json").write_text(text)
    ((_, reason),) = load_runs([tmp_path]).skipped
    assert reason.startswith("not valid JSON (") and reason.endswith(said)
    assert "set_int_max_str_digits" not in reason
