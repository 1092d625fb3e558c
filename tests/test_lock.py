"""The environment installs from a lock of exact versions generated from `requirements.txt` (`make lock`)."""

import hashlib
import re

from vgslib import runs
from vgslib.paths import REPO_ROOT


def _names(path: str) -> dict[str, str]:
    """Requirement name (normalised) -> the rest of the line, for every requirement line of `path`."""
    out = {}
    for line in open(path):
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name = re.match(r"[A-Za-z0-9_.\-]+", line).group(0)
            out[re.sub(r"[-_.]+", "-", name).lower()] = line[len(name) :].strip()
    return out


def test_the_lock_pins_every_requirement_exactly():
    wanted, locked = _names(f"{REPO_ROOT}/requirements.txt"), _names(runs.LOCK)
    assert set(wanted) <= set(locked), sorted(set(wanted) - set(locked))
    unpinned = [name for name, spec in locked.items() if not re.fullmatch(r"(\[[^\]]*\])?==[^,;\s]+(\s*;.*)?", spec)]
    assert not unpinned, unpinned
    for name, spec in wanted.items():  # the lock keeps the pins and caps of requirements.txt
        if spec.startswith("=="):
            assert locked[name] == spec, (name, spec, locked[name])


def test_runs_record_the_lock_they_were_installed_from():
    expected = hashlib.sha256(open(runs.LOCK, "rb").read()).hexdigest()
    assert runs.environment("cpu")["lock_sha256"] == expected
