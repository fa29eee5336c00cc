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


def _models():
    from mia_defense.models import MLP, LogisticRegression, ResNet, SmallCNN

    return {"MLP": (MLP, (4,)), "LogisticRegression": (LogisticRegression, (4,)),
            "SmallCNN": (SmallCNN, (1, 8, 8)), "ResNet": (ResNet, (3, 8, 8))}


@pytest.mark.parametrize("name", ["MLP", "LogisticRegression", "SmallCNN", "ResNet"])
@pytest.mark.parametrize("classes", [0, 1, True, 3.0, -1, 10**30, "3", (2,)])
def test_a_builder_called_from_python_refuses_a_class_count_the_data_cannot_have(name, classes):
    # 0 built a head of no outputs silently; True, 3.0, -1, 10**30: torch's raw errors
    model, shape = _models()[name]
    with pytest.raises(ConfigError, match=rf"^{name}: num_classes=.*: must be an integer in "
                                          r"\[2, 2147483647\], the dataset's number of classes"):
        model(input_shape=shape, num_classes=classes)


@pytest.mark.parametrize(("name", "shape", "bad"), [
    ("MLP", (2.5,), "2.5"),  # int() cut it to 2, silently
    ("MLP", (True,), "True"),  # read as 1
    ("MLP", (0,), "0"),  # an input of no features, silently
    ("MLP", (-1,), "-1"),
    ("LogisticRegression", (4.0,), "4.0"),
    ("SmallCNN", (1, 8.5, 8), "8.5"),
    ("SmallCNN", (0, 8, 8), "0"),
    ("ResNet", (3, 8, True), "True"),
])
def test_a_builder_refuses_an_input_shape_of_no_sizes(name, shape, bad):
    model = _models()[name][0]
    with pytest.raises(ConfigError, match=rf"^{name}: input_shape=.*: every width must be an "
                                          rf"integer >= 1, not {bad}$"):
        model(input_shape=shape, num_classes=2)


@pytest.mark.parametrize("shape", [4, (), "4", None])
def test_an_mlp_refuses_an_input_shape_that_is_no_shape(shape):
    from mia_defense.models import MLP

    with pytest.raises(ConfigError, match=r"^MLP: input_shape=.*: must be the shape of one "
                                          r"sample, a non-empty sequence of sizes"):
        MLP(input_shape=shape, num_classes=2)


def test_model_settings_too_long_to_write_are_refused_by_name():
    from mia_defense.models import MLP, ResNet, SmallCNN

    cases = [(lambda: MLP(input_shape=(4,), num_classes=2, hidden=[64, HUGE]), "model.hidden"),
             (lambda: MLP(input_shape=(HUGE,), num_classes=2), "MLP: input_shape"),
             (lambda: MLP(input_shape=(4,), num_classes=(HUGE,)), "MLP: num_classes"),
             (lambda: SmallCNN(input_shape=(1, 8, 8), num_classes=2, groups=[HUGE]),
              "model.groups"),
             (lambda: ResNet.check_options(depth=HUGE + 4), "model.depth"),
             (lambda: ResNet.check_options(depth=10**400 + 6), "model.depth"),  # (a float's
             (lambda: ResNet.check_options(widen_factor=HUGE), "model.depth")]  # OverflowError)
    for build, key in cases:
        with pytest.raises(ConfigError, match=rf"^{key}="):
            build()


def test_numpy_integers_still_build_the_models():
    import numpy as np
    import torch

    from mia_defense.models import ResNet, SmallCNN

    one = np.int64(1)
    assert ResNet(input_shape=(3, 8, 8), num_classes=np.int64(2), depth=8, widen_factor=one,
                  groups=np.int64(4))(torch.zeros(1, 3, 8, 8)).shape == (1, 2)
    assert SmallCNN(input_shape=(np.int64(1), 8, 8), num_classes=2, channels=(8,), hidden=8,
                    groups=np.int64(2))(torch.zeros(1, 1, 8, 8)).shape == (1, 2)


@pytest.mark.parametrize(("num", "message"), [
    (-HUGE, r"^attack\.canaries\.num=<an integer of about 5001 digits>: must be >= 0$"),
    (-2, r"^attack\.canaries\.num=-2: must be >= 0$"),  # (words the tests pin, kept)
    (True, r"^attack\.canaries\.num=True: must be an integer >= 0$"),
    (2.0, r"^attack\.canaries\.num=2\.0: must be an integer >= 0$"),
], ids=["-HUGE", "-2", "True", "2.0"])
def test_canaries_num_is_refused_in_its_words(num, message):
    from mia_defense.canaries import insert_canaries

    data, plan = _tiny()
    with pytest.raises(ConfigError, match=message):
        insert_canaries(data, plan, num=num, seed=0)


@pytest.mark.parametrize(("repeats", "refused"), [(2, False), (1, True), (True, True),
                                                  (2.0, True), ("8", True), (None, True)])
def test_observations_repeats_read_by_the_shared_rule(repeats, refused):
    from mia_defense.observation_checks import RESERVED_METADATA, _recorded_problems

    problems = _recorded_problems({RESERVED_METADATA[0]: repeats})
    assert bool(problems) == refused
    if refused:
        assert problems[0].startswith(f"metadata: {RESERVED_METADATA[0]}={repeats!r}: ")


def _tiny():
    import numpy as np

    from mia_defense.data import Dataset
    from mia_defense.plan import make_plan

    rng = np.random.default_rng(0)
    data = Dataset(x=rng.normal(size=(40, 4)).astype(np.float32), y=np.arange(40) % 2,
                   num_classes=2, name="tiny")
    return data, make_plan(data, num_models=2, population_size=20, test_size=10, seed=0)


@pytest.mark.parametrize("seed", [True, 2.5, -1, "3"])
def test_insert_canaries_refuses_a_seed_that_is_no_seed(seed):
    # True was read as 1, silently; 2.5, -1 and '3' raised numpy's SeedSequence errors
    from mia_defense.canaries import insert_canaries

    data, plan = _tiny()
    with pytest.raises(ConfigError, match=rf"^insert_canaries: seed={seed!r}: must be an "
                                          r"integer >= 0, the run's seed$"):
        insert_canaries(data, plan, num=2, seed=seed)


def test_api_make_plan_refuses_a_seed_too_long_to_write():
    import numpy as np

    from mia_defense.api import make_plan

    x, y = np.zeros((40, 4), np.float32), np.arange(40) % 2
    with pytest.raises(ConfigError, match=r"^make_plan: seed=<an integer of about 5001 digits>: "
                                          r"at most \d+, mia-train's seed range"):
        make_plan(x, y, num_models=2, population_size=20, test_size=10, seed=HUGE)


@pytest.mark.parametrize("dropout", [0.5, "np.float32", "np.int64"])
def test_a_numpy_dropout_rate_builds_the_models(dropout):
    # model.dropout=np.float32(0.5) and np.int64(0) were refused as 'must lie in [0, 1)'
    import numpy as np

    from mia_defense.models import MLP, SmallCNN

    rate = {"np.float32": np.float32(0.5), "np.int64": np.int64(0)}.get(dropout, dropout)
    MLP(input_shape=(4,), num_classes=2, dropout=rate)
    SmallCNN(input_shape=(1, 8, 8), num_classes=2, channels=(8,), hidden=8, dropout=rate)


@pytest.mark.parametrize("dropout", [1, 1.0, -0.1, float("nan"), True, "0.5"])
def test_a_dropout_rate_outside_is_refused_in_its_words(dropout):
    from mia_defense.models import MLP

    with pytest.raises(ConfigError, match=r"^model\.dropout=.*: must lie in \[0, 1\)$"):
        MLP(input_shape=(4,), num_classes=2, dropout=dropout)


def test_a_numpy_resnet_depth_builds():
    # depth=np.int64(8) was refused as 'model.depth=np.int64(8): must be 6n+2 or 6n+4'
    import numpy as np

    from mia_defense.models import ResNet

    ResNet(input_shape=(3, 8, 8), num_classes=2, depth=np.int64(8), groups=4)
    with pytest.raises(ConfigError, match=r"^model\.depth=true: must be 6n\+2 or 6n\+4"):
        ResNet.check_options(depth=True)


def test_a_dataset_of_a_class_count_too_long_to_write_is_refused():
    import numpy as np

    from mia_defense.data import Dataset
    from mia_defense.errors import DataError

    with pytest.raises(DataError, match=r"^dataset 't': num_classes=<an integer of about 5001 "
                                        r"digits> but its 10 samples have labels up to 1"):
        Dataset(x=np.zeros((10, 3), np.float32), y=np.arange(10) % 2, num_classes=HUGE,
                name="t")


@pytest.mark.parametrize(("loader", "setting", "said"), [
    ("load_csv", "num_classes", r"num_classes=<an integer of about 5001 digits>; need at least 2"),
    ("load_csv", "max_samples", r"^dataset\.max_samples=<an integer of about 5001 digits>: "
                                r"must be >= 2 \(or null for all\)$"),
    ("load_npz", "num_classes", r"num_classes=<an integer of about 5001 digits>; need at least 2"),
    ("load_purchase100", "label_base", r"^dataset\.label_base=<an integer of about 5001 "
                                      r"digits>: must be 0"),
    ("load_npz", "standardize", r"^dataset\.standardize=<an integer of about 5001 digits>: "
                                r"must be true or false$"),
])
def test_a_loader_setting_of_minus_a_huge_integer_is_refused_by_name(tmp_path, loader, setting,
                                                                     said):
    import numpy as np

    import mia_defense.data as data
    from mia_defense.errors import MiaDefenseError

    npz = tmp_path / "d.npz"
    np.savez(npz, x=np.zeros((40, 4), np.float32), y=np.arange(40) % 2,
             features=np.zeros((40, 4), np.float32), labels=np.arange(40) % 2)
    path = {"load_csv": _csv(tmp_path)}.get(loader, npz)
    kwargs = {"label_column": "label"} if loader == "load_csv" else {}
    value = HUGE if setting in ("label_base", "standardize") else -HUGE
    with pytest.raises(MiaDefenseError, match=said):
        getattr(data, loader)(path=path, **{setting: value}, **kwargs)


@pytest.mark.parametrize(("model", "settings", "said"), [
    ("MLP", {"hidden": 64}, r"^model\.hidden=64: must be a list of widths, e\.g\. \[64\]$"),
    ("SmallCNN", {"channels": 8}, r"^model\.channels=8: must be a list of widths"),
    ("SmallCNN", {"hidden": [8]}, r"^model\.hidden=\[8\]: must be one width, an integer >= 1, "
                                  r"not a list$"),
    ("SmallCNN", {"pooled": (2, 2)}, r"^model\.pooled=\[2, 2\]: must be one width"),
])
def test_a_width_list_where_one_width_goes_is_refused_by_name(model, settings, said):
    # from Python these raised a raw TypeError ('int' object is not iterable; int() argument
    # must be ... not 'list'); the config check refuses them by the signature's type
    import mia_defense.models as models

    shape = (4,) if model == "MLP" else (1, 8, 8)
    with pytest.raises(ConfigError, match=said):
        getattr(models, model)(input_shape=shape, num_classes=2, **settings)
