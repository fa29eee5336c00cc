"""Number settings reaching the data loaders, the model builders and the canaries: each is read
by the one reader of its rule (`mia_defense.constraints.as_integer`/`as_fraction`), a
ConfigError naming the setting, never a raw Python, numpy or torch error, nor a bool read as
1 or a float cut to an integer."""

from __future__ import annotations

import pytest

from mia_defense.constraints import as_fraction, as_integer, show
from mia_defense.errors import ConfigError

HUGE = 10**5000  # more digits than Python writes out: repr() raises ValueError


def test_the_readers_refuse_an_integer_too_long_to_write_naming_its_size():
    with pytest.raises(ConfigError, match=r"^dataset\.seed=<an integer of about 5001 digits>: "
                                          r"must be an integer in \[0, 10\]$"):
        as_integer(HUGE, key="dataset.seed", low=0, high=10)
    with pytest.raises(ConfigError, match=r"^q=<an integer of about 5001 digits>: must be a "
                                          r"number in \(0, 1\)$"):
        as_fraction(HUGE, key="q")
    assert show(HUGE) == "<an integer of about 5001 digits>"
    assert show(10**400) == str(10**400)  # written out where Python can


def _csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(40)))
    return path


@pytest.mark.parametrize("key", ["num_samples", "num_features"])
def test_make_purchase_like_refuses_a_size_too_long_to_write(key):
    from mia_defense.data import make_purchase_like
    from mia_defense.errors import DataError

    sizes = {"num_samples": 200, "num_features": 20, "num_classes": 2, key: HUGE}
    with pytest.raises(DataError, match=rf"dataset\.{key}=<an integer of about 5001 digits>"
                                        r".* would need about 10\^\d+ GiB of memory"):
        make_purchase_like(**sizes)


def test_load_csv_refuses_num_classes_too_long_to_write(tmp_path):
    from mia_defense.data import load_csv
    from mia_defense.errors import DataError

    with pytest.raises(DataError, match=r"dataset\.num_classes=<an integer of about 5001 "
                                        r"digits> but the data holds 40 samples"):
        load_csv(path=_csv(tmp_path), label_column="label", num_classes=HUGE)


@pytest.mark.parametrize("key", ["population_size", "test_size", "reference_size"])
def test_load_csv_refuses_a_plan_size_too_long_to_write(tmp_path, key):
    from mia_defense.data import load_csv

    plan = {"population_size": 20, "test_size": 10, "reference_size": 0, "seed": 0, key: HUGE}
    with pytest.raises(ConfigError, match=rf"plan\.{key}=<an integer of about 5001 digits>"):
        load_csv(path=_csv(tmp_path), label_column="label", plan=plan)


def test_load_csv_label_column_too_long_to_write_is_no_column(tmp_path):
    from mia_defense.data import load_csv
    from mia_defense.errors import DataError

    with pytest.raises(DataError, match=r"no column '<an integer of about 5001 digits>'"):
        load_csv(path=_csv(tmp_path), label_column=HUGE)


@pytest.mark.parametrize(("call", "message"), [
    ({"seed": True}, r"^dataset\.seed=True: must be an integer >= 0, the run's seed$"),
    ({"max_categories": 2.0}, r"^dataset\.max_categories=2\.0: must be an integer >= 1$"),
    ({"plan": {"population_size": 20, "test_size": 10, "seed": -1}},
     r"^dataset\.plan\.seed=-1: must be an integer >= 0, the run's seed, \$\{seed\}$"),
])
def test_load_csv_settings_read_by_the_shared_reader(tmp_path, call, message):
    from mia_defense.data import load_csv

    with pytest.raises(ConfigError, match=message):
        load_csv(path=_csv(tmp_path), label_column="label", **call)
