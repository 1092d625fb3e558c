"""Run many conditions: each one is the training notebook executed by papermill in its own process.

`python -m vgslib.grid first-results [--workers 2] [--preset laptop]` runs the six conditions of the first
results chapter (EN, FR, NL, EN+FR, EN+NL, FR+NL; seed 0; no links). A run whose directory is complete is
skipped; a failed run is reported with the end of its log and does not stop the others.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from tqdm.auto import tqdm

from . import paths, runs

FIRST_RESULTS = [{"train_languages": langs} for langs in ("en", "fr", "nl", "en+fr", "en+nl", "fr+nl")]


def default_preset() -> str:
    """`paper` where a CUDA GPU is present, else `laptop` (override with VGSLIB_PRESET)."""
    if os.environ.get("VGSLIB_PRESET"):
        return os.environ["VGSLIB_PRESET"]
    import torch

    return "paper" if torch.cuda.is_available() else "laptop"


def run_dir_for(params: dict) -> str:
    from . import notebooks, presets

    spec = notebooks.parameters(notebooks.notebook_path("train"))
    values = {k: v["default"] for k, v in spec.items()} | notebooks.validate(notebooks.notebook_path("train"), params)
    import inspect

    cfg = presets.from_notebook(**{k: values[k] for k in inspect.signature(presets.from_notebook).parameters})
    return values["output_dir"] or os.path.join(paths.runs_root(), f"{cfg.condition()}-seed{cfg.train.seed}")


def run_one(params: dict) -> tuple[dict, str, int, str]:
    run_dir = run_dir_for(params)
    if runs.is_complete(run_dir):
        return params, run_dir, 0, "skipped (complete)"
    os.makedirs(run_dir, exist_ok=True)
    cmd = [sys.executable, "-m", "vgslib.notebooks", "train", "--output", os.path.join(run_dir, "notebook.ipynb")]
    for k, v in {**params, "output_dir": run_dir, "progress": "false"}.items():
        cmd += ["-p", k, str(v)]
    log = os.path.join(run_dir, "log.txt")
    with open(log, "w") as f:
        code = subprocess.call(
            cmd,
            stdout=f,
            stderr=subprocess.STDOUT,
            cwd=paths.REPO_ROOT,
            env={**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
        )
    tail = "" if code == 0 else "".join(open(log).readlines()[-25:])
    return params, run_dir, code, tail


def run_grid(conditions: list[dict], workers: int = 2) -> list[tuple]:
    results, start = [], time.time()
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(run_one, c) for c in conditions]
        for future in tqdm(as_completed(futures), total=len(futures), desc="runs"):
            params, run_dir, code, tail = future.result()
            results.append((params, run_dir, code))
            if code != 0:
                print(f"\nFAILED {params} (exit {code}); log {run_dir}/log.txt:\n{tail}", file=sys.stderr)
    print(f"{sum(r[2] == 0 for r in results)}/{len(results)} runs done in {time.time() - start:.0f} s")
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vgslib.grid", description=__doc__)
    parser.add_argument("grid", choices=["first-results"])
    parser.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    parser.add_argument("--preset", default=None, help="paper | laptop | smoke (default: paper on a GPU, else laptop)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    preset = args.preset or default_preset()
    conditions = [{**c, "preset": preset, "seed": args.seed} for c in FIRST_RESULTS]
    results = run_grid(conditions, args.workers)
    return 0 if all(r[2] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
