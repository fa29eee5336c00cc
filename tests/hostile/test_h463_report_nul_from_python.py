"""h463: ``mia_defense.cli.report.main(['/tmp', '--out', 'a\\0b'])`` from Python said
"argument -o/--out: invalid _path value: 'a\\x00b'" (argparse's wording for a ValueError of
the type function: `home_expanded`'s refusal of a NUL). It is the argument's own line in
`path_text_problem`'s words, as the other refusals of a path argument (an empty one, an
unknown home) are; a path longer than `constraints.PATH_LIMIT` (h471: 1,000 characters) is
shown clipped, one of 300 whole."""

from __future__ import annotations

import pytest

from mia_defense.cli import report
from mia_defense.constraints import PATH_LIMIT


@pytest.mark.parametrize(("args", "named"), [
    (["DIRS", "--out", "a\0b"], "-o/--out"), (["a\0b"], "dirs"),
    (["DIRS", "--out", "a" * 5000 + "\0"], "-o/--out"), (["DIRS", "--out", "a" * 300 + "\0"],
                                                          "-o/--out"),
])  # fmt: skip
def test_a_nul_in_a_path_is_refused_in_its_words(tmp_path, capsys, args, named):
    with pytest.raises(SystemExit) as ended:
        report.main([str(tmp_path) if a == "DIRS" else a for a in args])
    assert ended.value.code == 2
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert line.startswith(f"mia-report: error: argument {named}: '")
    assert "holds a NUL byte, which no file name has; give a directory" in line
    assert "invalid" not in line and len(line) < PATH_LIMIT + 400, len(line)
    path = next(a for a in args if "\0" in a)
    assert (f"{path!r}: holds" in line) == (len(repr(path)) <= PATH_LIMIT), line[:200]
    assert list(tmp_path.iterdir()) == []
