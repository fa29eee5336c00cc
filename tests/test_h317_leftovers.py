"""Leftovers of helper h317: refusals and advice that named the wrong remedy."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.lira import lira
from mia_defense.errors import ConfigError
from mia_defense.observations import (
    QUERIES_IN_OBSERVATIONS,
    QUERIES_OF_MIA_TRAIN,
    MissingObservationError,
    Observations,
)
from tests.helpers import composition_refused


def test_a_too_long_choice_of_a_users_own_group_is_refused_in_words(tmp_path):
    """+mygroup=<5000 characters>, mygroup only in the user's config folder, was Hydra's
    OSError traceback 'File name too long' (a packaged group's was refused in words)."""
    from mia_defense.hydra_setup import setup_hydra

    (tmp_path / "mygroup").mkdir()
    (tmp_path / "mygroup" / "a.yaml").write_text("x: 1\n")
    setup_hydra()
    refused = composition_refused([f"hydra.searchpath=[file://{tmp_path}]",
                                   f"+mygroup={'a' * 5000}"])
    assert isinstance(refused, ConfigError) and "(5009 characters): no config of the group " \
        "mygroup has a name that long; nothing was run. Name one of its configs, e.g. " \
        "mygroup=a" in str(refused)


def test_the_augmented_lira_skip_names_the_fields_a_file_needs():
    """mia-attack of a bare .npz: lira_online_augmented's skip said only 'set
    attack.queries.num_augmented > 0', a setting that adds nothing to a file."""
    obs = Observations(log_probs=np.full((4, 6, 2), np.log(0.5), np.float32),
                       labels=np.zeros(6, int), masks=np.eye(4, 6, dtype=bool))
    with pytest.raises(MissingObservationError) as skipped:
        lira(obs, np.arange(1), augmented=True)
    assert "augmented_logits and augmented_predictions" in QUERIES_IN_OBSERVATIONS
    assert str(skipped.value).endswith(f"{QUERIES_OF_MIA_TRAIN}, or {QUERIES_IN_OBSERVATIONS}")


@pytest.mark.parametrize(("source", "advice"), [
    (None, "rerun it with plan.num_models=16 or more"),  # mia-train's run
    ({"kind": "observations"}, "attack observations of 16 or more models"),  # a file, the API
])
def test_the_few_reference_models_advice_fits_the_source(source, advice):
    """mia-attack of a bare file of 4 models (and Audit.table()) advised 'rerun it with
    plan.num_models=16 or more', a setting of mia-train that changes no file."""
    from mia_defense.report.checks.notes import weak_attacker_notes

    lira = "mia_defense.attacks.lira"
    payload = {"attacks": {"lira_online": {"access": "outputs"}}, "num_models": 4,
               "config": {"attack": {"attacks": {"lira_online": {"_target_": lira}}}},
               **({"source": source} if source else {})}
    notes = [n for n in weak_attacker_notes(payload) if "reference model(s)" in n]
    assert len(notes) == 1 and notes[0].endswith(f"the leak may be understated; {advice}")


@pytest.mark.parametrize(("name", "latin1"), [("x é", True), ("x\udce9", False)])
def test_a_run_folder_tensorboard_cannot_name_is_refused_before_the_run(tmp_path, monkeypatch,
                                                                        name, latin1):
    """hydra.run.dir='x é' under a Latin-1 locale trained, then failed in TensorBoard's
    writer (it opens the UTF-8 bytes: another folder) with 'choose a writable run
    directory'. A name of bytes that are no UTF-8 (a surrogate) cannot be written by it
    either."""
    import os

    from mia_defense.errors import DataError
    from mia_defense.tracking.run_dir import claim_run_dir

    if latin1:  # (the file-system encoding is the locale's, fixed at start-up)
        monkeypatch.setattr(os, "fsencode", lambda text: str(text).encode("latin-1"))
    with pytest.raises(DataError, match="nothing was run. Choose an ASCII path "
                                        r"\(hydra.run.dir=...\), or run in a UTF-8 locale"):
        with claim_run_dir(tmp_path / name):
            pass
    monkeypatch.undo()
    assert not os.path.lexists(tmp_path / name)
