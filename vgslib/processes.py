"""Child processes that die with their parent.

The grid starts a notebook runner per run, the runner starts a kernel, the pipeline starts the grid: when the
process above is killed, the one below must not train on as an orphan (and race a restarted grid for its run
directory). On Linux a child asks the kernel for a signal when its parent dies (`prctl(PR_SET_PDEATHSIG)`),
set between fork and exec through `preexec_fn`; elsewhere this is a no-op.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask for `sig` when the parent process dies (Linux), and go at once if it is already gone."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), sig)
