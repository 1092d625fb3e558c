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


def _children_left_by_a_killed_parent(parent_code: str, tmp_path, count: int) -> list[int]:
    """Run `parent_code` (its children write their pids into `tmp_path/pids`), SIGKILL it once `count` children
    are up, and return those still alive 10 s later."""
    parent = subprocess.Popen([sys.executable, "-c", parent_code], cwd=tmp_path)
    pids_file = tmp_path / "pids"
    deadline = time.time() + 60
    while time.time() < deadline:
        pids = [int(p) for p in pids_file.read_text().split()] if pids_file.exists() else []
        if len(pids) >= count:
            break
        time.sleep(0.1)
    assert len(pids) >= count, "the children never started"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 10
    while any(map(_alive, pids)) and time.time() < deadline:
        time.sleep(0.1)
    left = [pid for pid in pids if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


def test_the_pool_workers_of_a_killed_build_stop(tmp_path):
    """The miniature's and the pretraining's worker pools (`sources.parallel.run_batches`) go with their parent."""
    parent_code = (
        "import os, time\n"
        "from vgslib.sources.parallel import run_batches\n"
        "def work(batch):\n"
        "    with open('pids', 'a') as f: f.write(f'{os.getpid()}\\n')\n"
        "    time.sleep(60)\n"
        "    return batch\n"
        "run_batches(work, [[1], [2]], workers=2, desc='test', progress=False)\n"
    )
    assert _children_left_by_a_killed_parent(parent_code, tmp_path, count=2) == []


def test_the_book_build_of_a_killed_book_job_stops(tmp_path):
    """`python -m vgslib book` runs `jupyter-book` (here a stand-in that sleeps) as a child that goes with it."""
    stand_in = tmp_path / "jupyter-book"
    stand_in.write_text(f"#!/bin/sh\necho $$ >> {tmp_path}/pids\nexec sleep 60\n")  # it runs in the repository
    stand_in.chmod(0o755)
    parent_code = (
        "from vgslib.report import book\n"
        "book.write_vega_bundle = book.write_page_notebooks = lambda: None\n"
        "book.execute_pages = lambda *args: None\n"  # the pages' own workers are tested in tests/report/test_book.py
        f"book._jupyter_book = lambda: {str(stand_in)!r}\n"
        "book.build(output='out')\n"
    )
    assert _children_left_by_a_killed_parent(parent_code, tmp_path, count=1) == []
