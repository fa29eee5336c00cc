"""Under defense=dp, results.json's privacy.preprocessing says what data-dependent steps
the accounting leaves out. The CSV loader's one-hot encoding takes each text column's list of
categories from the data, members included; the note named only the scaling."""
from omegaconf import OmegaConf

from mia_defense.defenses.dp import preprocessing_note


def _dataset(make_cfg, *overrides):
    return OmegaConf.to_container(make_cfg(*overrides).dataset, resolve=False)


def test_a_csv_dataset_notes_its_categories_taken_from_the_data(make_cfg):
    for standardize in ("true", "false"):
        note = preprocessing_note(_dataset(make_cfg, "dataset=csv", "dataset.path=d.csv",
                                           "dataset.label_column=y",
                                           f"dataset.standardize={standardize}"))
        assert note.startswith("outside the accounting: ")
        assert note.endswith("; and the CSV's text columns, if any, are one-hot encoded with "
                             "the list of categories taken from the data (the rows outside "
                             "the test set, members included): which categories exist is not "
                             "covered by epsilon")


def test_other_datasets_keep_their_note(make_cfg):
    note = preprocessing_note(_dataset(make_cfg, "dataset=digits"))
    assert "categories" not in note and note.startswith("outside the accounting: ")
