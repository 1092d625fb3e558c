"""Killing a parent process stops the children it started with `die_with_parent` (real processes)."""

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG) is Linux's")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is dead
        return f.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.parametrize("guarded", [True, False])
def test_a_child_dies_with_its_killed_parent(guarded):
    """The parent starts a long child (as the grid starts a notebook runner) and is killed with SIGKILL, as a
    user's `kill -9` or an out-of-memory killer would. Unguarded, the child trains on as an orphan."""
    parent_code = (
        "import subprocess, sys, time; from vgslib.processes import die_with_parent; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], "
        f"preexec_fn={'die_with_parent' if guarded else 'None'}); "
        "print(child.pid, flush=True); time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + (10 if guarded else 2)  # the orphan: a short look is enough
    while _alive(child) and time.time() < deadline:
        time.sleep(0.1)
    try:
        assert _alive(child) != guarded
    finally:
        if _alive(child):
            os.kill(child, signal.SIGKILL)
