"""Study 4's chart (experiments/reference_models/plot.py) said that K=2 is degenerate in a
note placed at a TPR of 0.06, far above the recorded TPRs (at most 0.036): tight_layout
made room for it by squeezing the axes into a strip a third of the figure high and cut the
y label off on the left (results/tpr_vs_k.png). The note is now a legend entry."""

from __future__ import annotations

from tests.test_study_reference_models import ATTACKS, _payload, _write, plot


def test_the_k2_note_leaves_the_axes_their_room_and_the_y_label_whole(tmp_path, monkeypatch):
    root = tmp_path / "root"
    for k in (2, 4, 8, 16, 64):
        for seed in (0, 1):
            payload = _payload(k, seed)
            for i, name in enumerate(ATTACKS):  # TPRs as recorded: 0.0005 to 0.036
                payload["attacks"][name]["tpr@0.1%fpr"] = k * (i + 1) / 6000 + seed / 10000
            _write(root, f"K={k},seed={seed}", payload)
    drawn = []
    subplots = plot.plt.subplots

    def keep(*args, **kwargs):
        fig, ax = subplots(*args, **kwargs)
        drawn.append((fig, ax))
        return fig, ax

    monkeypatch.setattr(plot.plt, "subplots", keep)
    plot.main([str(root), "--out", str(tmp_path / "out")])
    ((fig, ax),) = drawn
    fig.canvas.draw()
    assert ax.get_position().height > 0.6  # (0.33 with the note above the axes)
    label = ax.yaxis.label.get_window_extent(fig.canvas.get_renderer())
    figure = fig.bbox
    assert label.y0 >= figure.y0 and label.y1 <= figure.y1 and label.x0 >= figure.x0
    texts = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "K=2: degenerate (hollow)" in texts
