"""Fault injection: kill a small grid at random moments and check that rerunning it always ends with the
numbers of a grid that was never interrupted.

A tiny world (the tests' data config) is prepared once in a temporary folder. The reference grid (EN, NL and
EN+NL, seeds 0 and 1, smoke preset, 2 epochs) runs to the end. Then, `--kills` times: a fresh runs folder,
the same grid started and killed with SIGKILL at a random moment (its runners and kernels die with it), and
started again to the end; every run's metrics (times left out) and trials must equal the reference's.

    python benchmarks/bench_faults.py [--kills 5] [--seed 0] [--workers 2]

Prints one line per kill and a summary; exits 1 if any rerun differs. Results go in the README's reliability
section.
"""

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

from vgslib import runs, testing

GRID = """
import json, sys
from vgslib.jobs import grid
conds = [{"train_languages": langs, "preset": "smoke", "seed": seed, "epochs": 2, "data_overrides": sys.argv[1]}
         for langs in ("en", "nl", "en+nl") for seed in (0, 1)]  # the tiny world speaks English and Dutch
results = grid.run_grid(conds, workers=int(sys.argv[2]))
sys.exit(0 if all(r["code"] == 0 for r in results) else 1)
"""


def fingerprint(root: str) -> dict[str, str]:
    """Per run: a hash of its metrics without times and of its trials file."""
    out = {}
    for name in sorted(os.listdir(root)):
        run_dir = os.path.join(root, name)
        if not runs.is_complete(run_dir):
            out[name] = "incomplete"
            continue
        metrics = [{k: v for k, v in m.items() if "seconds" not in k} for m in runs.read_metrics(run_dir)]
        digest = hashlib.sha256(json.dumps(metrics, sort_keys=True).encode())
        with open(os.path.join(run_dir, "trials.csv"), "rb") as f:
            digest.update(f.read())
        out[name] = digest.hexdigest()[:16]
    return out


def grid(env: dict, data_json: str, workers: int) -> subprocess.Popen:
    """The grid in a subprocess, its output appended to `grid.log` beside its runs folder."""
    log = open(env["VGSLIB_RUNS"].rstrip("/") + ".log", "a")
    return subprocess.Popen([sys.executable, "-c", GRID, data_json, str(workers)], env=env, stdout=log, stderr=log)


def tail(path: str, lines: int = 30) -> str:
    with open(path) as f:
        return "".join(f.readlines()[-lines:])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "VGSLIB_DATA": os.path.join(tmp, "data"), "PYTHONWARNINGS": "ignore"}
        data_json = json.dumps(testing.tiny_data_config().to_dict())
        config = os.path.join(tmp, "data-config.json")
        with open(config, "w") as f:
            f.write(data_json)
        cmd = [sys.executable, "-m", "vgslib", "prepare", "--config", config, "--quiet"]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        start = time.time()
        reference_dir = os.path.join(tmp, "reference")
        if grid({**env, "VGSLIB_RUNS": reference_dir}, data_json, args.workers).wait() != 0:
            sys.exit("the reference grid failed:\n" + tail(reference_dir + ".log"))
        duration = time.time() - start
        reference = fingerprint(reference_dir)
        print(f"reference grid: {len(reference)} runs in {duration:.0f} s", flush=True)
        failures = 0
        for k in range(args.kills):
            runs_dir = os.path.join(tmp, f"killed-{k}")
            moment = rng.uniform(1.0, 0.9 * duration)
            victim = grid({**env, "VGSLIB_RUNS": runs_dir}, data_json, args.workers)
            time.sleep(moment)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            time.sleep(2)  # its runners and kernels receive SIGTERM from their dying parents
            done = (
                sum(runs.is_complete(os.path.join(runs_dir, n)) for n in os.listdir(runs_dir))
                if os.path.isdir(runs_dir)
                else 0
            )
            code = grid({**env, "VGSLIB_RUNS": runs_dir}, data_json, args.workers).wait()
            same = code == 0 and fingerprint(runs_dir) == reference
            failures += not same
            print(
                f"kill {k + 1}: at {moment:5.1f} s ({done} of {len(reference)} runs complete) -> rerun "
                + ("ends with the reference's numbers" if same else f"DIFFERS (exit {code})"),
                flush=True,
            )
        print(f"{args.kills - failures} of {args.kills} killed grids ended with the uninterrupted grid's numbers")
        sys.exit(1 if failures else 0)
