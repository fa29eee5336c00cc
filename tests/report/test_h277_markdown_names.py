"""tradeoff.md shows run and defense names as they are, not as Markdown emphasis.

Measured (h277): a defense ``my_*strong*_dp`` and a swept value ``__init__`` rendered in
tradeoff.md as ``my_<em>strong</em>_dp`` and a bold ``init``; ``a~~b~~`` struck through.
"""

from __future__ import annotations

import pytest

from mia_defense.report.table import markdown_table

NAMES = ["weight_decay", "my_*strong*_dp", "__init__", "a~~b~~", "x`y`", "c:\\*d"]


def test_names_render_as_written():
    markdown_it = pytest.importorskip("markdown_it")
    text = markdown_table(["run", "defense"], [[name, name] for name in NAMES])
    assert "| weight_decay | weight_decay |" in text  # snake_case is left as it is
    html = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    for tag in ("<em>", "<strong>", "<s>", "<del>", "<code>"):
        assert tag not in html
    cells = [c.split("</td>")[0] for c in html.split("<td>")[1:]]
    assert cells == [n.replace("&", "&amp;") for name in NAMES for n in (name, name)]
