"""The white-box audit's config check built the model on the meta device twice: once to
refuse a model unfit for the data's shape, once to count its parameters against
attack.audit_gradient_canaries. It is built once, and both checks still refuse."""

from __future__ import annotations

import pytest

from mia_defense.config import check_defense_stack
from mia_defense.errors import ConfigError
from mia_defense.models import LogisticRegression

AUDIT = ("defense=dp", "attack.audit=one_run", "attack.white_box=true", "model=logistic")


def _counting_builds(monkeypatch) -> list[int]:
    built = []
    init = LogisticRegression.__init__

    def counted(self, *args, **kwargs):
        built.append(1)
        init(self, *args, **kwargs)

    monkeypatch.setattr(LogisticRegression, "__init__", counted)
    return built


def test_the_audits_config_check_builds_the_model_once(make_cfg, monkeypatch):
    built = _counting_builds(monkeypatch)
    check_defense_stack(make_cfg(*AUDIT, "attack.audit_gradient_canaries=650"))
    assert len(built) == 1


def test_the_count_of_that_build_still_refuses_too_many_canaries(make_cfg, monkeypatch):
    built = _counting_builds(monkeypatch)
    with pytest.raises(ConfigError, match=r"model._target_=\S+ has 650 on this dataset"):
        check_defense_stack(make_cfg(*AUDIT, "attack.audit_gradient_canaries=651"))
    assert len(built) == 1
