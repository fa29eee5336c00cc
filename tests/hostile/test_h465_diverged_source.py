"""h465: ``mia-attack RUN`` of a run whose training diverged (mia-train train.optimizer=sgd
train.lr=1e30: results.json status 'diverged', no observations.npz) said 'no observations.npz
in it; give a finished mia-train run directory', as for any folder, with no word that the run
diverged and why, nor that running it again would diverge again. It now says so, with the
reason results.json records."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import LEAN_ATTACKS, mia_attack, mia_train


def test_a_diverged_run_is_refused_as_diverged(tmp_path: Path) -> None:
    done = mia_train("plan.num_models=2", "train.epochs=1", "progress=false",
                     "train.optimizer=sgd", "train.lr=1e30", *LEAN_ATTACKS,
                     "hydra.run.dir=run", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "DivergedError" in done.stderr, done.stderr[-2000:]
    assert not (tmp_path / "run" / "observations.npz").exists()
    done = mia_attack(str(tmp_path / "run"), *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2
    said = done.stderr.strip()
    assert "\n" not in said and "Traceback" not in said
    assert said.startswith(f"DataError: {tmp_path / 'run' / 'results.json'}: status "
                           "'diverged': its training diverged (model ")  # fmt: skip
    assert "train.lr=1e+30" in said
    assert said.endswith("the same mia-train command diverges again; change what made it "
                         "diverge and train it in a new directory, then attack that")
    assert not (tmp_path / "out").exists()
