"""attack.fprs in another order (every reader sorts them) made a finished run 'a complete
run of another config' (h214): config_differences compares them sorted."""

from __future__ import annotations

from mia_defense.tracking.run_dir import config_differences, finished_run, mark_run


def _config(fprs=(0.1, 0.01)):
    return {"seed": 0, "train": {"chunk_size": None, "threads": 1, "device": "cpu"},
            "attack": {"fprs": list(fprs)}}


def test_fprs_in_another_order_are_the_same_run(tmp_path):
    assert config_differences(_config(), _config(fprs=(0.01, 0.1))) == []
    assert config_differences(_config(), _config(fprs=(0.01, 0.2))) == [
        "attack.fprs: [0.1, 0.01] -> [0.01, 0.2]"]
    mark_run(tmp_path, status="complete", config=_config(), data_fingerprint="d")
    assert finished_run(tmp_path, config=_config(fprs=(0.01, 0.1)), data_fingerprint="d")
