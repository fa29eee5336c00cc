"""h312: mia-train's and mia-attack's end-of-run lines give mia-report's caveats on a
weakened attacker (`mia_defense.report.checks.run_end_lines`), which they printed nothing of."""

from tests.helpers import FAST, mia_attack, mia_train


def test_a_k4_label_release_without_queries_is_marked_at_the_end_of_the_run(tmp_path):
    # release=label_only at num_augmented=0 (FAST's) and 4 models: the report read it with
    # care twice, the end-of-run verdict said nothing
    run = tmp_path / "run"
    done = mia_train("release=label_only", "plan.num_models=4", "plan.population_size=200",
                     *FAST, "progress=false", f"hydra.run.dir={run}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    marked = [line for line in done.stdout.splitlines() if line.startswith("READ WITH CARE: ")]
    assert len(marked) == 2, done.stdout
    assert "no perturbed copies to query" in marked[0]
    assert "plan.num_models=4" in marked[1]
    assert done.stdout.index("READ WITH CARE") < done.stdout.index("run directory:")
    again = mia_attack(str(run), "attack.bootstrap=0", "attack.attacks.shokri.classifier=logistic",
                       f"hydra.run.dir={tmp_path / 'attacked'}", cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.count("READ WITH CARE: ") == 2, again.stdout
