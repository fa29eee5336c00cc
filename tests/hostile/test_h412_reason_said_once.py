"""mia-train's end-of-run table printed each DP reason twice: the raw lines
'epsilon_invalid_reason ...' and 'epsilon_untested ...' of results.json's privacy, then
(since 11299bb3) the READ WITH CARE lines saying the same reasons in the report's words
(mia-train defense=dp defense.dp.target_epsilon=50 plan.num_models=2). Each reason is said
once now, in the READ WITH CARE line; 'epsilon_valid False' stays in the table."""

import json

from mia_defense.report.checks import run_end_lines


def test_a_seeded_noise_run_says_each_reason_once(seeded_dp_mia_train):
    done, run = seeded_dp_mia_train
    privacy = json.loads((run / "results.json").read_text())["privacy"]
    lines = done.stdout.splitlines()
    assert "epsilon_valid False" in lines, done.stdout
    for key in ("epsilon_invalid_reason", "epsilon_untested"):
        reason = privacy[key]
        assert isinstance(reason, str) and reason, key
        assert not any(line.startswith(f"{key} ") for line in lines), done.stdout
        # said whole, once, in its READ WITH CARE line
        assert done.stdout.count(reason) == 1, (key, done.stdout)
        assert any(line.startswith("READ WITH CARE: ") and reason in line for line in lines)


def test_the_raw_line_stays_where_no_read_with_care_line_says_it():
    from mia_defense.report.checks import reasons_said_below

    # a valid ε: no caveat says epsilon_invalid_reason, so the table keeps whatever it holds
    assert reasons_said_below({"epsilon": 2.0, "epsilon_valid": True}) == frozenset()
    said = reasons_said_below({"epsilon": 50.0, "epsilon_valid": False,
                               "epsilon_invalid_reason": "seeded", "epsilon_untested": "few"})
    assert said == {"epsilon_invalid_reason", "epsilon_untested"}
    payload = {"privacy": {"epsilon": 50.0, "epsilon_valid": False,
                           "epsilon_invalid_reason": "seeded", "epsilon_untested": "few"},
               "attacks": {}}
    lines = run_end_lines(payload)
    assert any("(epsilon_valid false): seeded" in line for line in lines)
    assert any("DP claim untested: few" in line for line in lines)
