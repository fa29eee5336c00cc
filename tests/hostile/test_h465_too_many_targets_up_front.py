"""h465: ``mia-attack RUN attack.num_targets=100`` of a run of 4 models was refused ('must lie
in [1, 4] (the observations' models)') only once Hydra had made the run directory: it was
left holding an attack.log of the refusal and a lock. mia-attack now asks the same check
(attack_setup.num_targets_problem) with the source's other checks, before Hydra makes it."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import LEAN_ATTACKS, mia_attack


def test_too_many_targets_leave_no_folder(lean_run: Path, tmp_path: Path) -> None:
    shutil.copytree(lean_run, tmp_path / "run")
    done = mia_attack(str(tmp_path / "run"), *LEAN_ATTACKS, "attack.num_targets=3",
                      "hydra.run.dir=out", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == ("ConfigError: attack.num_targets=3: must lie in [1, 2] (the "
                                   "observations' models) or be null")  # fmt: skip
    assert not (tmp_path / "out").exists()
    done = mia_attack(str(tmp_path / "run"), *LEAN_ATTACKS, "attack.num_targets=2",
                      "hydra.run.dir=out", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
