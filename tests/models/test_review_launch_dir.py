"""Review of the launch directory's finder: a library installed in a virtual environment
that lies inside the launch directory (``python -m venv .venv`` in the project folder, the
usual layout) is still a library, and its probes find no file of the user's."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import os, sys
    from mia_defense.cli import user_code
    launch, site = sys.argv[1], sys.argv[2]
    # the environment's site-packages, as sysconfig names it for a venv in the project
    user_code._installed_roots = lambda: (os.path.realpath(site) + os.sep,)
    sys.path.append(site)
    user_code.add_launch_dir(launch, {"my_net"})
    import fakelib  # installed; it probes for optional_pkg, as TensorBoard for tensorflow
    assert fakelib.FOUND is False, "the library's probe imported the user's optional_pkg.py"
    import my_net  # named by the config; it imports its sibling helper itself
    assert my_net.WIDTH == 3
    print("ok")
""")


def test_a_library_in_a_venv_inside_the_launch_dir_does_not_get_the_users_files(tmp_path):
    (tmp_path / "optional_pkg.py").write_text("raise SystemExit('ran the user file')\n")
    (tmp_path / "helper.py").write_text("WIDTH = 3\n")
    (tmp_path / "my_net.py").write_text("from helper import WIDTH\n")
    site = tmp_path / ".venv" / "lib" / "site-packages"
    site.mkdir(parents=True)
    (site / "fakelib.py").write_text(
        "try:\n    import optional_pkg  # noqa\n    FOUND = True\n"
        "except ImportError:\n    FOUND = False\n"
    )
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), str(site)],
                          capture_output=True, text=True, cwd="/", timeout=60)  # fmt: skip
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr[-2000:]
