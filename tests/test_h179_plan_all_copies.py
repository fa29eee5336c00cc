"""A population whose records are all exact copies of one (a CSV whose feature columns are
the same on every row, here once dataset.drop_columns dropped the only one that varied):
copies are members of the same models (a29082a), so half the models got no member, and
mia-train said 'the draw left one without a record, so raise plan.population_size', which
cannot help. It now names the copies and says to deduplicate the data (a larger
population helps only where the data holds more distinct rows)."""

from __future__ import annotations

from tests.helpers import mia_train


def test_a_population_of_copies_of_one_record_is_refused_naming_the_copies(tmp_path):
    csv = tmp_path / "same.csv"
    csv.write_text("a,b,label\n" + "".join(f"1.0,{i},{i * 7 % 3 % 2}\n" for i in range(120)))
    run = tmp_path / "run"
    done = mia_train(
        "dataset=csv", f"dataset.path={csv}", "dataset.label_column=label",
        "dataset.drop_columns=b", "plan.num_models=4", "plan.population_size=60",
        "train.epochs=1", "figures=false", "progress=false", f"hydra.run.dir={run}",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode != 0
    assert ("the population's 60 records are exact copies of 1 distinct one "
            in done.stderr), done.stderr[-2000:]  # fmt: skip
    assert "deduplicate the data" in done.stderr
    assert "the draw left one without a record" not in done.stderr
    assert "Traceback" not in done.stderr
    assert not (run / "results.json").exists()
