"""The environment page (`book/environment.md`): the prepared data's config, the machines and package versions
the runs were made with."""

from __future__ import annotations

import json
import os

import pandas as pd

from vgslib import paths, runs
from vgslib.encoders.prepare import REPORT
from vgslib.report.pages import read_json


def data_config_json() -> str:
    """The recorded data config (world, encoders, pre-training) as pretty JSON, or "" if nothing is prepared."""
    path = os.path.join(paths.data_root(), REPORT)
    return json.dumps(read_json(path), indent=2) if os.path.exists(path) else ""


def run_environments(summary: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Each run with the commit and device it ran on, and the first run's `env.json`."""
    envs = [runs.load_run(d)["env"] or {} for d in summary.dir]
    table = summary[["run", "preset", "train_langs", "seed", "best_epoch", "steps", "seconds_this_session"]].assign(
        commit=[e.get("git", {}).get("commit", "")[:10] for e in envs],
        device=[e.get("device", "") for e in envs],
    )
    return table, envs[0] if envs else {}


def package_versions(env: dict) -> pd.DataFrame:
    return pd.DataFrame(sorted((env.get("packages") or {}).items()), columns=["package", "version"])
