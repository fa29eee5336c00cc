"""h465: mia-attack's refusals of attack settings that cannot attack the source (asked by
attack_settings against its observations: LiRA online as the only black-box attack of a
run of 2 models, h443's) came only once Hydra had made the run directory, which was left
holding the refusal's attack.log and a lock. mia-attack now asks attack_settings with the
source's other checks, before Hydra makes it; settings that fit run as before."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import LEAN_ATTACKS, mia_attack

_BLACK_BOX = ("loss", "confidence", "entropy", "modified_entropy", "modified_entropy_class",
              "shokri", "lira_offline", "lira_online_augmented", "rmia", "label_only",
              "gradient_norm")  # fmt: skip


def test_lira_online_alone_at_two_models_leaves_no_folder(lean_run: Path,
                                                          tmp_path: Path) -> None:
    shutil.copytree(lean_run, tmp_path / "run")
    left_out = [f"~attack.attacks.{name}" for name in _BLACK_BOX]
    done = mia_attack(str(tmp_path / "run"), "attack.bootstrap=0", "figures=false", *left_out,
                      "hydra.run.dir=out", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    said = done.stderr.strip()
    assert "\n" not in said
    assert said.startswith("ConfigError: attack.attacks: every black-box attack "
                           "(lira_online) is LiRA online")  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_settings_that_fit_still_run(lean_run: Path, tmp_path: Path) -> None:
    shutil.copytree(lean_run, tmp_path / "run")
    done = mia_attack(str(tmp_path / "run"), *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "out" / "results.json").is_file()
