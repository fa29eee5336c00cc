"""Red-team cases of the launch directory on sys.path: a user's folder serves the modules
the config names, never a library's probe for an optional package."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import importlib.util, sys
    from mia_defense.cli.user_code import add_launch_dir
    add_launch_dir(sys.argv[1], {"my_net"})
    # a library probing for an optional package that is not installed (TensorBoard imports
    # tensorflow, scikit-learn pandas) found the user's file of that name and ran it
    assert importlib.util.find_spec("optional_pkg") is None, "probe found the user's file"
    try:
        import optional_pkg  # noqa: F401
    except ModuleNotFoundError:
        pass
    else:
        raise AssertionError("imported the user's optional_pkg.py")
    import my_net  # named by the config; it imports its sibling helper itself
    assert my_net.WIDTH == 3
    print("ok")
""")


def test_only_the_configs_modules_and_their_imports_come_from_the_launch_dir(tmp_path):
    (tmp_path / "optional_pkg.py").write_text("raise SystemExit('ran the user file')\n")
    (tmp_path / "helper.py").write_text("WIDTH = 3\n")
    (tmp_path / "my_net.py").write_text("from helper import WIDTH\n")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                          text=True, cwd="/", timeout=60)  # fmt: skip
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr[-2000:]
