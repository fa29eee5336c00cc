"""h234: check_config walks each ``_target_`` of the config once for the ``_target_`` policy
(the nodes before the dataset's, then the dataset's, following its interpolations), not the
whole config a second time; the same refusals."""

from __future__ import annotations

from collections import Counter

import pytest
from omegaconf import OmegaConf, open_dict

from mia_defense import targets
from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg


def _targets_in(node: object) -> Counter[str]:
    if isinstance(node, dict):
        found = Counter(str(v) for k, v in node.items() if k == "_target_")
        for key, value in node.items():
            if key != "_target_":
                found += _targets_in(value)
        return found
    if isinstance(node, list):
        return sum((_targets_in(value) for value in node), Counter())
    return Counter()


def test_each_target_is_judged_once(monkeypatch):
    cfg = compose_cfg()
    judged: Counter[str] = Counter()
    judge = targets.target_is_forbidden

    def counting(name: str) -> bool:
        judged[name] += 1
        return judge(name)

    monkeypatch.setattr(targets, "target_is_forbidden", counting)
    check_config(cfg)
    assert judged == _targets_in(OmegaConf.to_container(cfg, resolve=True))


@pytest.mark.parametrize(
    ("hook", "named"),
    [
        ({"_target_": "os.system", "command": "id"}, "dataset.hook._target_='os.system'"),
        ("${oc.create:'{_target_: os.system}'}", "dataset.hook._target_='os.system'"),
    ],
)
def test_a_forbidden_target_in_the_dataset_or_led_to_from_it_is_still_refused(hook, named):
    """Walked only once the other nodes have passed (a node ``oc.create`` makes where it
    is read included)."""
    cfg = compose_cfg()
    with open_dict(cfg):
        cfg.dataset.hook = hook
    with pytest.raises(ConfigError) as refused:
        check_config(cfg)
    assert named in str(refused.value)
