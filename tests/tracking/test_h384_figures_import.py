"""The figures' module imports matplotlib without writing the property lists of its docstrings
(`matplotlib.artist.kwdoc` for each Artist class it defines and each ``%(Line2D:kwdoc)s`` of
the Axes methods' docstrings: 0.07 s of the 0.29 s of CPU the import took, in every
mia-train run), and puts matplotlib's own kwdoc back after."""

from __future__ import annotations

import subprocess
import sys

# Counts kwdoc's calls while mia_defense.tracking.figures is imported (matplotlib.artist, which
# defines Artist, imported first; none of the modules that define its subclasses yet).
_COUNT = """
import sys
import matplotlib.artist as artist
assert "matplotlib.figure" not in sys.modules
kwdoc, calls = artist.kwdoc, []
def counted(cls):
    calls.append(cls)
    return kwdoc(cls)
artist.kwdoc = counted
import mia_defense.tracking.figures
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
print(len(calls), artist.kwdoc is counted, callable(Figure.set), "linewidth" in str(
    __import__("inspect").signature(Line2D.set)))
"""


def test_importing_the_figures_writes_no_property_lists():
    done = subprocess.run([sys.executable, "-c", _COUNT], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    # no kwdoc call; matplotlib's own kwdoc put back; set() and its signature as before
    assert done.stdout.split() == ["0", "True", "True", "True"]
