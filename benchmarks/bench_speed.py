"""Training throughput of whole runs, this tree against an earlier commit, measured in one invocation.

For each condition, one complete run of the preset (default `laptop`, all its epochs) is trained by this tree
and by the commit given with `--against` (extracted with `git archive` into a temporary folder), the two side
by side, one single-threaded process each, both on the prepared features of this tree (`make prepare` first).
Per run it prints the wall time, the training seconds per step, runs per hour per core, and the achieved
matrix FLOP/s as a fraction of this machine's fp32 and bf16 matmul peaks, measured in the same invocation.
FLOPs are counted analytically over the run's own groups (every epoch's draws, re-sampled here from the
run's seed), as `bench_train.py` counts a step: "executed" = the products the code computes, "model" = the
reference architecture's (MFU).

    python benchmarks/bench_speed.py [--against HEAD~1] [--conditions en en+fr] [--epochs 0] [--preset laptop]
    python benchmarks/bench_speed.py --targets [--preset laptop]

`--epochs 0` = the preset's. The two trees' trials are compared too: a speed change keeps the numbers.
`--targets` trains nothing: it prints the cost targets beside the stage times the last `make book` of each grid
recorded (`results/<preset>/stage-times-<grid>.json`, written by `python -m vgslib pipeline`).
"""

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_train import matmul_peak, step_flops  # noqa: E402

from vgslib import paths, recipe  # noqa: E402
from vgslib.condition import parse_languages  # noqa: E402
from vgslib.encoders.prepare import load_prepared  # noqa: E402
from vgslib.jobs.pipeline import times_path  # noqa: E402
from vgslib.model.accounting import reference_flops_per_item  # noqa: E402
from vgslib.training.experiment import feature_pool  # noqa: E402
from vgslib.training.groups import ConceptSampler, sample_groups  # noqa: E402
from vgslib.training.loop import split_batches  # noqa: E402

# Runs in the tree being measured (its own `vgslib`); only APIs every commit of the project has.
CHILD = """
import json, sys, time
t0 = time.time()
from vgslib import recipe
from vgslib.training import experiment
import vgslib
cfg = recipe.make_config(sys.argv[1], json.loads(sys.argv[2]))
experiment.run(cfg, run_dir=sys.argv[3], progress=False)
rows = [json.loads(line) for line in open(sys.argv[3] + "/metrics.jsonl")]
print(json.dumps({"wall": time.time() - t0, "train": sum(r.get("train_seconds", 0) for r in rows),
                  "steps": sum(r.get("steps", 0) for r in rows), "module": vgslib.__file__}))
"""


# The cost targets (minutes) on a 2-core machine without a GPU, from a clean clone, each command alone: the
# pipeline's own record measures the three builds; the other two are timed by hand (benchmarks/README.md).
TARGETS = {
    "controls": ("make book", 30),
    "table1": ("make book QUICK=1", 15),
    "experiments": ("make book EXPERIMENTS=1", 90),
}
BY_HAND = (
    ("make test", "5 min", "time make test"),
    ("a classroom run", "20 s", "time .venv/bin/python -m vgslib notebook train -p preset classroom"),
)


def print_targets(preset: str) -> None:
    """Each target beside the stage times its build recorded (a build continued after a stop records only its
    own invocation, so only a build from a clean clone, in one go, measures the target)."""
    for grid, (command, minutes) in TARGETS.items():
        path = times_path(grid, preset)
        if not os.path.exists(path):
            print(f"{command:24s} target {minutes:3d} min  no record ({os.path.relpath(path, paths.REPO_ROOT)})")
            continue
        with open(path) as f:
            rec = json.load(f)
        total = rec["total_seconds"] / 60
        complete = len(rec["stages"]) == 4 and all(s["status"] == "ok" for s in rec["stages"])
        verdict = ("met" if total <= minutes else "not met") if complete else "incomplete build"
        commit = rec["commit"][:7] + (", dirty" if rec["dirty"] else "")
        print(f"{command:24s} target {minutes:3d} min  measured {total:6.1f} min: {verdict}  "
              f"(commit {commit}; {rec['cpus']} cores; {rec['started']})")  # fmt: skip
        for stage in rec["stages"]:
            print(f"    {stage['stage']:36s} {stage['seconds'] / 60:6.1f} min  {stage['status']}")
    for command, target, how in BY_HAND:
        print(f"{command:24s} target {target:>7s}  timed by hand: {how}")


def extract(rev: str, dest: str) -> str:
    """The tree of commit `rev` in `dest`; returns its full hash."""
    full = subprocess.check_output(["git", "rev-parse", rev], cwd=paths.REPO_ROOT, text=True).strip()
    archive = os.path.join(dest, "tree.tar")
    subprocess.check_call(["git", "archive", "-o", archive, full], cwd=paths.REPO_ROOT)
    with tarfile.open(archive) as tar:
        tar.extractall(os.path.join(dest, "tree"), filter="data")
    return full


def overrides(langs: str, epochs: int, preset: str) -> dict:
    base = recipe.make_config(preset).train
    train: dict = {"languages": list(parse_languages(langs)), "threads": 1}
    if epochs:
        train["epochs"] = epochs
        train["warmup_epochs"] = min(epochs, base.warmup_epochs * epochs / base.epochs)
    return {"train": train}


def start(tree: str, preset: str, over: dict, run_dir: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": tree, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env["VGSLIB_DATA"] = paths.data_root()  # both trees read the same prepared features
    cmd = [sys.executable, "-c", CHILD, preset, json.dumps(over), run_dir]
    return subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, what: str, tree: str) -> dict:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the run of {what} failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    if not result["module"].startswith(tree):
        raise RuntimeError(f"the run of {what} imported {result['module']}, not the tree's own vgslib")
    return result


def run_flops(cfg, study) -> tuple[float, float]:
    """(executed, model) matrix FLOPs of a whole run's training: every epoch's groups drawn as the run draws them."""
    t, p = cfg.train, cfg.train.precision
    audio, images = feature_pool(study, "train", t.languages, True, p), feature_pool(study, "train", [""], True, p)
    samplers = (ConceptSampler(audio.concept), ConceptSampler(images.concept))
    executed = model = 0.0
    for epoch in range(1, t.epochs + 1):
        rng = np.random.default_rng([t.seed, epoch])
        anchors = rng.permutation(np.tile(np.arange(len(audio)), t.anchor_repeats))
        groups = sample_groups(anchors, audio, images, rng, t.num_negatives, t.links, *samplers)
        for batch in split_batches(groups, t.batch_groups):
            executed += step_flops(cfg.model, batch, audio, images)
            model += step_flops(cfg.model, batch, audio, images, reference_flops_per_item)
    return executed, model


def same_trials(a: str, b: str) -> str:
    import pandas as pd

    x, y = pd.read_csv(os.path.join(a, "trials.csv")), pd.read_csv(os.path.join(b, "trials.csv"))
    if x.equals(y):
        return "identical"
    scores = ["target_score", "distractor_score"]
    if x.drop(columns=scores).equals(y.drop(columns=scores)):
        gap = float(np.abs(x.target_score - y.target_score).max())
        return f"same outcomes, scores differ by up to {gap:.2g}"
    return f"{int((x.correct != y.correct).sum())} of {len(x)} outcomes differ"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", default="HEAD~1", help="the earlier commit (default HEAD~1)")
    parser.add_argument("--conditions", nargs="+", default=["en", "en+fr"])
    parser.add_argument("--preset", default="laptop")
    parser.add_argument("--epochs", type=int, default=0, help="0 = the preset's")
    parser.add_argument("--targets", action="store_true", help="print the targets beside the recorded builds")
    args = parser.parse_args()
    if args.targets:
        print_targets(args.preset)
        return 0
    torch.set_num_threads(1)
    peaks = {"fp32": matmul_peak(torch.float32), "bf16": matmul_peak(torch.bfloat16)}
    print(f"one thread; matmul peak fp32 {peaks['fp32'] / 1e9:.0f} GFLOP/s, bf16 {peaks['bf16'] / 1e9:.0f} GFLOP/s")
    study = load_prepared()
    with tempfile.TemporaryDirectory() as tmp:
        old = extract(args.against, tmp)
        trees = {"this tree": paths.REPO_ROOT, f"{old[:7]} ({args.against})": os.path.join(tmp, "tree")}
        for langs in args.conditions:
            over = overrides(langs, args.epochs, args.preset)
            cfg = recipe.make_config(args.preset, over)
            executed, model = run_flops(cfg, study)
            dirs = {name: os.path.join(tmp, f"run-{i}-{langs}") for i, name in enumerate(trees)}
            begin = time.time()
            procs = {name: start(tree, args.preset, over, dirs[name]) for name, tree in trees.items()}
            results = {name: finish(proc, f"{langs} in {name}", trees[name]) for name, proc in procs.items()}
            print(f"\n{langs}, {args.preset}, {cfg.train.epochs} epochs ({time.time() - begin:.0f} s side by side):")
            for name, r in results.items():
                peak = peaks[cfg.train.precision]
                print(
                    f"  {name:22s} run {r['wall']:6.1f} s  {r['train'] / r['steps'] * 1e3:6.1f} ms/step  "
                    f"{3600 / r['wall']:5.1f} runs/h/core  executed {executed / r['train'] / 1e9:5.0f} GFLOP/s = "
                    f"{100 * executed / r['train'] / peaks['fp32']:4.1f} % of fp32, "
                    f"{100 * executed / r['train'] / peaks['bf16']:4.1f} % of bf16 peak  "
                    f"MFU {100 * model / r['train'] / peak:4.1f} % ({cfg.train.precision})"
                )
            names = list(results)
            print(f"  trials: {same_trials(dirs[names[0]], dirs[names[1]])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
