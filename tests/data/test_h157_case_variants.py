"""Text values of a CSV column that differ only in letter case or spacing ('Male', 'male',
'Self  emp'): each spelling became a category (a feature column) or a class (the label
column) of its own, without a word. Whitespace around a field was already ignored."""

import logging

from mia_defense.data.csv_file import load_csv

LOGGER = "mia_defense.data.csv_file"


def _load(tmp_path, caplog, text, **kwargs):
    path = tmp_path / "people.csv"
    path.write_text(text)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_csv(path=path, label_column="y", **kwargs)
    return data, [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def _rows(sexes, labels):
    return "sex,job,age,y\n" + "".join(
        f"{s},{'Private' if i % 3 else 'Self  emp'},{20 + i},{y}\n"
        for i, (s, y) in enumerate(zip(sexes, labels, strict=True)))


def test_feature_case_variants_warned_once_per_column_with_a_line(tmp_path, caplog):
    sexes = ["Male", "Female"] * 5 + ["male", "MALE", " female "]
    labels = ["a", "b"] * 6 + ["a"]
    data, warnings = _load(tmp_path, caplog, _rows(sexes, labels))
    assert data.num_classes == 2
    sex = [w for w in warnings if "'sex'" in w]
    assert len(sex) == 1, warnings
    assert "differ only in letter case or spacing" in sex[0]
    assert "'MALE' / 'Male' / 'male'" in sex[0]
    assert "'Female' / 'female'" in sex[0]  # ' female ' is stripped to 'female'
    # the rarest spelling of the first group (in sorted order), with its first line
    assert "('female': 1 row, first on line 14)" in sex[0]
    assert not [w for w in warnings if "'job'" in w]  # one spelling of each job
    assert not [w for w in warnings if "label column" in w]


def test_feature_spacing_variants_are_named(tmp_path, caplog):
    text = "job,y\n" + "".join(f"{j},{i % 2}\n" for i, j in
                               enumerate(["Self emp", "Private"] * 4 + ["Self  emp"]))
    _, warnings = _load(tmp_path, caplog, text)
    job = [w for w in warnings if "'job'" in w]
    assert len(job) == 1 and "'Self  emp' / 'Self emp'" in job[0], warnings
    assert "('Self  emp': 1 row, first on line 10)" in job[0]


def test_fixed_categories_are_the_users_choice(tmp_path, caplog):
    text = "sex,y\n" + "".join(f"{s},{i % 2}\n" for i, s in
                               enumerate(["Male", "male", "Female"] * 3))
    _, warnings = _load(tmp_path, caplog, text,
                        categories={"sex": ["Male", "male", "Female"]})
    assert not [w for w in warnings if "letter case" in w], warnings


def test_label_case_variants_warn_loudly_with_the_task_they_make(tmp_path, caplog):
    labels = ["yes", "no"] * 6 + ["Yes"]
    data, warnings = _load(tmp_path, caplog, _rows(["Male", "Female"] * 6 + ["Male"], labels))
    assert data.num_classes == 3
    label = [w for w in warnings if "the label column 'y'" in w]
    assert len(label) == 1, warnings
    assert "'Yes' / 'yes'" in label[0]
    assert "a 3-class task where the file may mean 2 classes" in label[0]
    assert "('Yes': 1 row, first on line 14)" in label[0]
    # said once: the older warning (case or a trailing '.') leaves this pair to it
    assert not [w for w in warnings if "which differ only in case" in w], warnings


def test_trailing_dot_labels_keep_their_warning_beside_case_variants(tmp_path, caplog):
    labels = ["<=50K", ">50K", "<=50K.", "<=50k"] * 3
    _, warnings = _load(tmp_path, caplog, _rows(["Male", "Female"] * 6, labels))
    assert any("holds the labels '<=50K' and '<=50K.', which differ only in case or a "
               "trailing '.'" in w for w in warnings), warnings
    assert any("'<=50K' / '<=50k'" in w and "a 4-class task where the file may mean 3"
               in w for w in warnings), warnings


def test_distinct_spellings_say_nothing(tmp_path, caplog):
    _, warnings = _load(tmp_path, caplog,
                        _rows(["Male", "Female"] * 6, ["a", "b"] * 6))
    assert not [w for w in warnings if "letter case" in w], warnings
