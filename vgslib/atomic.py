"""Write-to-temporary-then-rename: a file is either absent or complete, never half-written.

Every cache, manifest and run file of the project is written through `atomic_path`. The temporary name is
unique to the process (two runs may write the same cache at once) and keeps the file's extension (`np.savez`
appends `.npz` to a name without it).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
from collections.abc import Iterator


def temporary_name(path: str) -> str:
    """`run/trials.csv` -> `run/trials.<pid>.partial.csv`: next to `path`, unique to this process."""
    stem, ext = os.path.splitext(path)
    return f"{stem}.{os.getpid()}.partial{ext}"


class DiskFullError(OSError):
    """A write failed because the disk is full; the message names the file and the free space left."""


def _disk_full(err: BaseException) -> bool:
    """Whether `err` is a full disk: ENOSPC, or torch's serialiser failing mid-file (it reports a full disk
    as `enforce fail at inline_container.cc`)."""
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        return True
    return isinstance(err, RuntimeError) and ("inline_container" in str(err) or "No space left" in str(err))


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path to write; on success it replaces `path`, on an error it is removed (a full disk
    is reported as `DiskFullError`, naming the file and the space left)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = temporary_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except (OSError, RuntimeError) as err:
        if not _disk_full(err):
            raise
        free = shutil.disk_usage(folder).free / 2**20
        raise DiskFullError(errno.ENOSPC, f"the disk is full: could not write {path} ({free:.0f} MiB free)") from err
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text(path: str, text: str) -> None:
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        f.write(text)


def write_json(path: str, obj) -> None:
    """Pretty, key-sorted JSON (values JSON cannot hold are written as strings)."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str))


def write_jsonl(path: str, rows: list[dict]) -> None:
    write_text(path, "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows))


@contextlib.contextmanager
def exclusive(path: str, what: str):
    """Hold the file lock `path + ".lock"` (one process at a time builds or trains the thing at `path`); a
    process that has to wait says for what, and goes on once the other one is done."""
    import sys

    from filelock import FileLock, Timeout

    lock = FileLock(path.rstrip("/") + ".lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"waiting: another process is {what} (lock {lock.lock_file})", file=sys.stderr, flush=True)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
