"""Study 5b's chart (experiments/dp_audit/one_run.py) is labelled 'ε lower bound (95%)', true
of its one-run curves (each one bound, Bonferroni-split over its guesses), but its 'today'
curve is the largest of the K-model attacks' 95% bounds, on the records and the canaries,
picked after the fact: not itself a 95% bound (study 5's chart says so of the same figures
since h123). Its legend entry now says it is the largest over the attacks."""

from __future__ import annotations

from tests.test_study_dp_audit import _write_one_run, one_run


def test_the_today_curve_says_it_is_the_largest_over_the_attacks(tmp_path, monkeypatch):
    root = tmp_path / "root"
    for eps in (1.0, 2.0):
        _write_one_run(root, "delta_1e-6", eps)
    drawn = []
    subplots = one_run.plt.subplots

    def keep(*args, **kwargs):
        fig, ax = subplots(*args, **kwargs)
        drawn.append(ax)
        return fig, ax

    monkeypatch.setattr(one_run.plt, "subplots", keep)
    one_run.main([str(root), "--out", str(tmp_path / "out")])
    (ax,) = drawn
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[-1] == "today: K-model audit (records, canaries; largest over the attacks)"
