"""mia-report's note for a row marked '(did not act)' and its '(read with care)' legend said
'its models trained as without it', which does not fit a release that let out the outputs
unchanged (h434: '(did not act: release=topk)', whose models trained as they do without any
release): both now say it for a training defense and for a release alike (h444)."""

from __future__ import annotations

from mia_defense.report.build import IDLE_FRONT


def test_the_did_not_act_note_fits_a_release_too() -> None:
    said = " ".join(IDLE_FRONT.split())
    assert "its models trained as without it (a training defense)" in said
    assert "or their outputs were released unchanged (a release, release=NAME)" in said
