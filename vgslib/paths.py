"""Where generated things live: `$VGSLIB_DATA` (default `data/` at the repository root), `runs/` and
`results/`. A relative `$VGSLIB_*` folder is relative to where the command started: `absolute_environment`
(called by the command line) makes it absolute, so notebooks and workers that run elsewhere find it too."""

from __future__ import annotations

import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDERS = ("VGSLIB_DATA", "VGSLIB_RUNS", "VGSLIB_RESULTS")


def absolute_environment() -> None:
    """Every `$VGSLIB_*` folder given as an absolute path (children inherit the environment, not the cwd)."""
    for name in FOLDERS:
        if os.environ.get(name):
            os.environ[name] = os.path.abspath(os.environ[name])


def _folder(variable: str, default: str) -> str:
    """`$variable`, or the repository's `default` folder when it is unset or empty (an empty one would otherwise
    put runs wherever a command happens to run, e.g. in notebooks/)."""
    return os.environ.get(variable) or os.path.join(REPO_ROOT, default)


def data_root() -> str:
    return _folder("VGSLIB_DATA", "data")


def world_dir(variant: str = "") -> str:
    """The miniature world's folder: `miniature/` for the default world, `miniature-<digest>/` for any other
    config (`variant`: its digest), side by side, so building one never replaces another."""
    return os.path.join(data_root(), f"miniature-{variant}" if variant else "miniature")


def features_dir() -> str:
    return os.path.join(data_root(), "features")


def encoders_dir() -> str:
    return os.path.join(data_root(), "encoders")


def runs_root() -> str:
    return _folder("VGSLIB_RUNS", "runs")


def results_dir(preset: str) -> str:
    """The analysis notebook's output for one preset's runs: `$VGSLIB_RESULTS/<preset>` (default `results/`)."""
    return os.path.join(_folder("VGSLIB_RESULTS", "results"), preset)
