"""A finished run whose results.json this user may not read (chmod -r by mistake, a run
copied from another user) was taken for a damaged record: mia-train with the same
hydra.run.dir renamed it results.json.unreadable and ran the attacks and records again
('... (Permission denied); kept as results.json.unreadable, running it again'). Nothing is
moved now: one line naming the file and what to do, exit 2. The denial is simulated: the
tests may run as root, who reads anything."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import LEAN_ATTACKS, mia_train

TINY = ["plan.num_models=2", "train.epochs=1", "progress=false", *LEAN_ATTACKS]


def test_a_finished_runs_results_this_user_may_not_read(lean_run, tmp_path, monkeypatch):
    run = Path(shutil.copytree(lean_run, tmp_path / "run"))  # (mia-train's run of TINY)
    results = run / "results.json"
    before = {path.name: path.stat().st_mtime_ns for path in run.iterdir()}
    read_bytes = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self.absolute() == results:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    again = mia_train(*TINY, "hydra.run.dir=run", cwd=tmp_path)
    assert again.returncode == 2, again.stderr[-3000:]
    assert (f"DataError: {results}: cannot read it (Permission denied); nothing was changed: "
            "make it readable for this user (chmod, or ask its owner), then run the same "
            "command again") in again.stderr  # fmt: skip
    assert "running it again" not in again.stderr and "attack loss" not in again.stderr
    after = {path.name: path.stat().st_mtime_ns for path in run.iterdir()}
    assert {k: v for k, v in after.items() if k != ".lock"} == {
        k: v for k, v in before.items() if k != ".lock"}
