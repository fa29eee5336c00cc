"""dataset=csv: a label column with several numbers written with '_' (2_0, 4_5) was refused
naming whichever one a set of the labels gave first; a set of strings iterates in an order
that PYTHONHASHSEED draws afresh in each process, so two launches named different lines. The
first such label in the file is named, in every process."""

from __future__ import annotations

import os
import subprocess
import sys

_SCRIPT = """
import sys
from mia_defense.data import load_csv
from mia_defense.errors import DataError
try:
    load_csv(path=sys.argv[1], label_column="label")
except DataError as error:
    print(error)
"""


def test_underscore_labels_refused_at_their_first_line_in_every_process(tmp_path):
    path = tmp_path / "d.csv"
    labels = ["1", "2_0", "3", "1_0", "4_5", "7_7", "5_5", "6_0"]
    path.write_text("x,label\n" + "".join(f"{i}.5,{v}\n" for i, v in enumerate(labels)))
    said = set()
    for hash_seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", _SCRIPT, str(path)], env=env,
                              capture_output=True, text=True, timeout=120, check=True)
        said.add(done.stdout.strip())
    assert len(said) == 1, said
    assert "line 3, column 'label' holds '2_0'" in said.pop()
