"""Fields of results.json of the wrong shape (a status that is a list, an
attack.confidence of hundreds of digits) skip or caveat the run with a reason: the whole
report ended in a TypeError or OverflowError traceback."""

from mia_defense.report import load_runs
from mia_defense.report.checks import caveats, payload_problem
from tests.report.fake_runs import make_run, rewrite_results


def test_a_status_that_is_a_list_or_an_object_is_skipped_with_the_reason(tmp_path):
    make_run(tmp_path / "sweep" / "good", test_accuracy=0.9, signal=2.0)
    for name, status in (("list", ["complete"]), ("object", {"complete": True})):
        run = tmp_path / "sweep" / name
        make_run(run, test_accuracy=0.9, signal=2.0, seed=1)
        rewrite_results(run, lambda p, s=status: p.update(status=s))
    loaded = load_runs([tmp_path / "sweep"])
    assert [r.name for r in loaded.runs] == ["good"]
    reasons = {p.name: why for p, why in loaded.skipped}
    assert reasons["list"].startswith("status is ['complete'], not 'complete' (failed or partial")
    assert reasons["object"].startswith("status is {'complete': True}, not 'complete'")
    assert payload_problem({"status": []}) == "status is [], not 'complete' (failed or partial run)"


def test_an_attack_confidence_too_large_for_a_float_is_a_caveat(tmp_path):
    run = tmp_path / "run"
    payload = make_run(run, test_accuracy=0.9, signal=2.0)
    payload["config"]["attack"]["confidence"] = 10**400
    notes = caveats(payload)
    assert any("attack.confidence=inf, not the 95% the report shows" in n for n in notes)
    rewrite_results(run, lambda p: p["config"]["attack"].update(confidence=10**400))
    loaded = load_runs([run])
    assert [r.name for r in loaded.runs] == ["run"]
    assert any("attack.confidence=inf" in note for _, note in loaded.caveats)
