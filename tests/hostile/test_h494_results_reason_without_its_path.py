"""h494: mia-report's reason a run's results.json cannot be read (report/runs.py
`_read_results`) drops the path `read_json` starts its refusal with (the row names the run
already). Since that refusal names the path as `constraints.shown_path` shows it, a folder
named ``$'evil\\x1b[2J\\nname'`` or one longer than `constraints.PATH_LIMIT` kept its path
in the reason ('$'/tmp/.../evil\\x1b...': empty (0 bytes), ...'), said twice in its row; the
prefix dropped is now the path as shown, and an ordinary path's reason is as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.report.runs import _read_results
from tests.hostile.test_h481_paths_in_more_suggested_commands import _long, _ordinary


@pytest.mark.parametrize("folder", [
    lambda root: root / "evil\x1b[2J\nname\u202e", _long, _ordinary,
], ids=["escape", "long", "ordinary"])  # fmt: skip
def test_the_reason_starts_with_what_is_wrong(folder, tmp_path: Path) -> None:
    run = folder(tmp_path)
    run.mkdir(parents=True)
    (run / "results.json").write_text("")
    payload, why = _read_results(run / "results.json")
    assert payload == {} and why is not None
    assert why.startswith("empty (0 bytes)"), why
