"""summary.png drawn by the helper process is the figure drawn in-process, and failures show.

Each check runs in a fresh interpreter, as run.py does: the helper is forked before NumPy
starts its threads (in this pytest process it would, rightly, refuse to fork)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import os, sys
from sim.results.figure_process import FigureProcess
helper = FigureProcess()                       # forked now: single-threaded so far
assert helper.forked, "the helper did not fork"
from sim.results.api import run
from sim.results.output import figure_data
from sim.config.scenario import load_scenario
data = figure_data(run(load_scenario(None, {"scale": 0.01, "days": 40}), seed=3))
folder = sys.argv[1]
mode = sys.argv[2]
if mode == "draw":
    helper.draw(os.path.join(folder, "helper.png"), **data)
    helper.wait()
    assert not FigureProcess().forked, "forked although NumPy's threads are running"
    FigureProcess.inline().draw(os.path.join(folder, "inline.png"), **data)
elif mode == "fail":
    helper.draw(os.path.join(folder, "no_such_folder", "summary.png"), **data)
    try:
        helper.wait()
    except RuntimeError as error:
        print("raised:", error)
elif mode == "unused":
    pid = helper._pid
    helper.close()
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        print("reaped")
"""


def helper_script(tmp_path, mode):
    return subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), mode], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def test_the_helper_draws_the_same_png_as_this_process(tmp_path):
    done = helper_script(tmp_path, "draw")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "helper.png").read_bytes() == (tmp_path / "inline.png").read_bytes()
    assert (tmp_path / "helper.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_failure_in_the_helper_is_raised(tmp_path):
    done = helper_script(tmp_path, "fail")
    assert done.returncode == 0, done.stderr
    assert "raised: drawing summary.png failed" in done.stdout
    assert "No such file or directory" in done.stderr  # the helper's own message is shown


def test_an_unused_helper_leaves_quietly(tmp_path):
    done = helper_script(tmp_path, "unused")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "reaped"  # no zombie left behind


def test_the_command_line_checks_its_input_before_numpy_starts_threads():
    """run.py forks the figure helper after checking input; that needs one thread."""
    done = subprocess.run([sys.executable, "-c", "import sys, sim.cli.main\n"
                           "sim.cli.main._parser()\n"
                           "from sim.config.scenario import load_scenario\n"
                           "load_scenario()\n"
                           "from sim.results.figure_process import _single_threaded\n"
                           "print('numpy' in sys.modules, _single_threaded())"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "True"], done.stderr


def test_the_run_command_forks_the_helper(tmp_path):
    """``run`` starts the helper before anything it imports starts NumPy's threads; otherwise the
    figure is drawn in the main process after the tables, on the run's critical path."""
    script = ("import sys\n"
              "from sim.results import figure_process\n"
              "forked = []\n"
              "class Recording(figure_process.FigureProcess):\n"
              "    def __init__(self, *args, **kwargs):\n"
              "        super().__init__(*args, **kwargs)\n"
              "        forked.append(self.forked)\n"
              "figure_process.FigureProcess = Recording\n"
              "from sim.cli.main import main\n"
              "code = main(['--scale', '0.01', '--days', '5', '--quiet', '--out', sys.argv[1]])\n"
              "print(code, forked)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "out")], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.split() == ["0", "[True]"], done.stderr
    assert (tmp_path / "out" / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
