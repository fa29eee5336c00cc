"""h564: `mia-attack FOLDER` on the folder of a mia-attack run that did not finish (stopped
before its results.json, killed while ``running``, or ``failed``) told the user to run 'the
same mia-train command again' (and that its saved models would be reused): that folder was
made by mia-attack, whose own command finishes it. The refusal now names mia-attack."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from mia_defense.attack_source import read_source
from mia_defense.errors import DataError


def _status(status: str):
    def change(run: Path) -> None:
        payload = json.loads((run / "results.json").read_text())
        payload["status"] = status
        (run / "results.json").write_text(json.dumps(payload))
    return change


@pytest.mark.parametrize("change", [
    lambda run: (run / "results.json").unlink(),
    _status("running"),
    _status("failed"),
], ids=["no results.json", "running", "failed"])  # fmt: skip
def test_an_unfinished_mia_attack_run_is_finished_by_mia_attack(attacked_template, tmp_path,
                                                                change):
    run = Path(shutil.copytree(attacked_template / "run", tmp_path / "run"))
    # (its writer's lock line, of this host: a process that is gone)
    (run / ".lock").write_text(f"pid 999999999 on {socket.gethostname()} since 2026-01-01\n")
    change(run)
    with pytest.raises(DataError) as refused:
        read_source(run)
    said = str(refused.value)
    assert "the same mia-attack command again" in said, said
    assert "mia-train" not in said and "saved models" not in said, said
