"""A sweep setting a key of a defense that none of its points selects (``-m
'defense=[],[label_smoothing]' ++defense.dp.target_epsilon=1``: dp meant, or a typo) was
refused with the advice for a sweep some of whose points select it: 'run the points that
select it and the others as two sweeps ...: mia-train -m defense= defense.dp.target_epsilon=1
...', a command of no points that Hydra refuses in turn. It now says no point selects it and
what to do (h216)."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train


@pytest.mark.parametrize("setting", ["defense.dp.target_epsilon=1",
                                     "++defense.dp.target_epsilon=1",
                                     "+defense.dp.target_epsilon=1"])  # fmt: skip
def test_a_setting_no_point_selects_is_refused_with_what_to_do(tmp_path, setting):
    done = mia_train("-m", "defense=[],[label_smoothing]", setting, "plan.num_models=2",
                     "hydra.sweep.dir=s", cwd=tmp_path)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-3000:]
    assert ("no point of defense=[],[label_smoothing] selects the defense 'dp', so the "
            "setting would set nothing") in said.replace("No point", "no point")
    assert ("Drop it, or select the defense 'dp' in the points it is for (e.g. "
            "'defense=[dp],[dp,label_smoothing]')") in said
    assert "mia-train -m defense= " not in said and "Traceback" not in said
    assert not (tmp_path / "s").exists()
