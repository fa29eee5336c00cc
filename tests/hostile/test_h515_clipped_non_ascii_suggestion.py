"""The refusal of a value beyond ASCII outside quotes suggests the quoted override
(`override_checks.unquoted_non_ascii`); that suggestion was said whole: mia-train
"train.lr=$(printf 'é%.0s' {1..1500})" printed a refusal of 1,700-odd characters, the value
cut where it was quoted as typed but whole in the command suggested. The suggestion is now cut
by `constraints.clipped` (its length said where cut), as every refusal cuts an override;
a short one reads whole, as before."""

from __future__ import annotations

from mia_defense.override_checks import unquoted_non_ascii
from tests.helpers import refused_before_run_dir

LONG = 1500


def test_mia_train_clips_the_suggested_quoted_override(tmp_path):
    line = refused_before_run_dir("train.lr=" + "é" * LONG, cwd=tmp_path).strip()
    line = line.splitlines()[-1]
    assert line.startswith("ConfigError: train.lr=éé"), line[:200]
    assert "quote the value for Hydra: \"train.lr='éé" in line, line[-400:]
    assert line.endswith(f"… ({LONG + 13} characters) in a shell"), line[-200:]
    assert len(line) < 700, len(line)


def test_the_api_form_is_clipped_too():
    said = unquoted_non_ascii(["train.lr=" + "é" * LONG], shell=False)
    assert said is not None
    assert said.endswith(f"quote the value for Hydra: train.lr='{'é' * 171}… ({LONG + 11} "
                         "characters)"), said[-300:]  # fmt: skip
    assert len(said) < 700, len(said)


def test_a_short_suggestion_is_said_whole():
    said = unquoted_non_ascii(["dataset.path=/data/café.csv"])
    assert said is not None
    assert said.endswith("quote the value for Hydra: \"dataset.path='/data/café.csv'\" in a shell")
    said = unquoted_non_ascii(["dataset.path=/data/café.csv"], shell=False)
    assert said is not None
    assert said.endswith("quote the value for Hydra: dataset.path='/data/café.csv'")
