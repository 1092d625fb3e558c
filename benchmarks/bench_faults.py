"""Fault injection: kill a small grid at random moments and check that rerunning it always ends with the
numbers of a grid that was never interrupted.

A tiny world (the tests' data config) is prepared once in a temporary folder. The reference grid (EN, NL and
EN+NL, seeds 0 and 1, smoke preset, 2 epochs) runs to the end. Then, `--kills` times: a fresh runs folder,
the same grid started and killed with SIGKILL at a random moment (its runners and kernels die with it), and
started again to the end; every run's metrics (times left out) and trials must equal the reference's.

The same for the other stages (`--stages`): `prepare` (the tiny world, its encoders and features, killed and
prepared again into a fresh data folder: every feature array and manifest must equal the reference's),
`analyse` (the analysis notebook on the reference runs, fast estimators, killed and run again: every table must
equal the reference analysis's) and `book` (the book of the reference runs and analysis, killed mid-build and
built again into the same folder, its execution cache included: every page must equal the reference book's).
After each kill the benchmark also looks for processes of the killed stage still alive (orphans: pool workers,
kernels, runners, the jupyter-book build).

    python benchmarks/bench_faults.py [--kills 5] [--seed 0] [--workers 2] [--stages grid,prepare,analyse,book]

Prints one line per kill and a summary; exits 1 if any rerun differs or leaves an orphan. Results go in
benchmarks/README.md.
"""

import argparse
import contextlib
import glob
import hashlib
import json
import os
import random
import re
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


def data_fingerprint(data_dir: str, config: str) -> str:
    """A hash of the prepared study (manifests and every feature array), read back in a fresh process."""
    code = (
        "import hashlib, json, sys\n"
        "from vgslib.encoders.prepare import DataConfig, prepare\n"
        "study = prepare(DataConfig.from_dict(json.load(open(sys.argv[1]))), progress=False)\n"
        "h = hashlib.sha256(study.manifest.audio.to_csv().encode() + study.manifest.images.to_csv().encode())\n"
        "for key, f in sorted(study.audio.items()) + sorted(study.images.items()):\n"
        "    h.update(str(key).encode() + f.ids.tobytes() + f.tokens.tobytes() + f.offsets.tobytes())\n"
        "print(h.hexdigest()[:16])\n"
    )
    env = {**os.environ, "VGSLIB_DATA": data_dir, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-c", code, config], env=env, capture_output=True, text=True).stdout.strip()


def results_fingerprint(folder: str) -> str:
    """A hash of every table an analysis wrote (its csv files)."""
    digest = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
        with open(path, "rb") as f:
            digest.update(os.path.basename(path).encode() + f.read())
    return digest.hexdigest()[:16]


def book_fingerprint(output: str) -> str:
    """A hash of every page of a built book (its HTML files), the random ids pandas gives its styled tables
    (`T_1fc05`) left out."""
    digest = hashlib.sha256()
    html = os.path.join(output, "_build", "html")
    for path in sorted(glob.glob(os.path.join(html, "**", "*.html"), recursive=True)):
        with open(path, "rb") as f:
            page = re.sub(rb"T_[0-9a-f]{5}", b"T_", f.read())
        digest.update(os.path.relpath(path, html).encode() + page)
    return digest.hexdigest()[:16]


def orphans(marker: str) -> list[int]:
    """Processes whose environment names `marker` (the killed stage's own folder): none may outlive it."""
    found = []
    for environ in glob.glob("/proc/[0-9]*/environ"):
        try:
            with open(environ, "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(environ.split("/")[2]))
        except OSError:
            continue
    return found


def reap_orphans(marker: str) -> list[int]:
    """After a kill: the processes marked `marker` still alive 20 s later (killed then), the orphans. A killed
    process's children receive SIGTERM from their dying parents and shut down (jupyter-book stops its kernel
    first; a grid's workers their warm kernels)."""
    deadline = time.time() + 20
    while (left := orphans(marker)) and time.time() < deadline:
        time.sleep(1)
    for pid in left:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
            print(f"  orphan {pid}: {command[:300]}", flush=True)
            os.kill(pid, signal.SIGKILL)
        except OSError:  # gone meanwhile
            continue
    return left


def kill_and_rerun(cmd: list[str], env: dict, duration: float, rng: random.Random, log: str, marker: str):
    """Start `cmd`, SIGKILL it at a random moment, note the orphans, run it again to the end: (moment, orphans,
    exit code of the rerun)."""
    moment = rng.uniform(1.0, 0.9 * duration)
    with open(log, "a") as out:
        victim = subprocess.Popen(cmd, env=env, stdout=out, stderr=out)
        time.sleep(moment)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        left = reap_orphans(marker)
        code = subprocess.run(cmd, env=env, stdout=out, stderr=out).returncode
    return moment, left, code


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
    parser.add_argument("--stages", default="grid", help="comma-separated: grid, prepare, analyse, book")
    parser.add_argument("--keep", default="", help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    stages = set(args.stages.split(","))
    rng = random.Random(args.seed)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    with contextlib.nullcontext(args.keep) if args.keep else tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "VGSLIB_DATA": os.path.join(tmp, "data"), "PYTHONWARNINGS": "ignore"}
        data_json = json.dumps(testing.tiny_data_config().to_dict())
        config = os.path.join(tmp, "data-config.json")
        with open(config, "w") as f:
            f.write(data_json)
        prepare = [sys.executable, "-m", "vgslib", "prepare", "--config", config, "--quiet"]
        start = time.time()
        subprocess.run(prepare, env=env, check=True, capture_output=True)
        prepare_seconds = time.time() - start
        start = time.time()
        reference_dir = os.path.join(tmp, "reference")
        if grid({**env, "VGSLIB_RUNS": reference_dir}, data_json, args.workers).wait() != 0:
            sys.exit("the reference grid failed:\n" + tail(reference_dir + ".log"))
        duration = time.time() - start
        reference = fingerprint(reference_dir)
        print(f"reference grid: {len(reference)} runs in {duration:.0f} s", flush=True)
        failures = 0
        for k in range(args.kills if "grid" in stages else 0):
            runs_dir = os.path.join(tmp, f"killed-{k}")
            moment = rng.uniform(1.0, 0.9 * duration)
            # VGSLIB_KILLED marks the grid's processes (workers, their warm kernels) for the orphan search.
            victim = grid({**env, "VGSLIB_RUNS": runs_dir, "VGSLIB_KILLED": runs_dir}, data_json, args.workers)
            time.sleep(moment)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            left = reap_orphans(runs_dir)
            done = (
                sum(runs.is_complete(os.path.join(runs_dir, n)) for n in os.listdir(runs_dir))
                if os.path.isdir(runs_dir)
                else 0
            )
            code = grid({**env, "VGSLIB_RUNS": runs_dir}, data_json, args.workers).wait()
            same = code == 0 and fingerprint(runs_dir) == reference
            failures += not same or bool(left)
            print(
                f"kill {k + 1}: at {moment:5.1f} s ({done} of {len(reference)} runs complete), {len(left)} orphan(s) "
                "-> rerun " + ("ends with the reference's numbers" if same else f"DIFFERS (exit {code})"),
                flush=True,
            )
        if "grid" in stages:
            print(f"{args.kills - failures} of {args.kills} killed grids ended with the uninterrupted grid's numbers")
        if "prepare" in stages:
            reference_data = data_fingerprint(env["VGSLIB_DATA"], config)
            print(f"reference prepare: {prepare_seconds:.0f} s, study {reference_data}", flush=True)
        if "analyse" in stages or "book" in stages:
            analyse = [sys.executable, "-m", "vgslib", "notebook", "analyse", "-p", "runs_dir", reference_dir,
                       "-p", "estimators", "laplace+gee", "-p", "progress", "false", "-p", "output_dir"]  # fmt: skip
            start = time.time()
            # Where the book reads the smoke preset's analysis ($VGSLIB_RESULTS/smoke).
            reference_analysis = os.path.join(tmp, "results", "smoke")
            subprocess.run(analyse + [reference_analysis], env=env, check=True, capture_output=True)
            analyse_seconds = time.time() - start
            reference_results = results_fingerprint(reference_analysis)
            print(f"reference analysis: {analyse_seconds:.0f} s, tables {reference_results}", flush=True)
        if "book" in stages:
            book_env = {**env, "VGSLIB_RUNS": reference_dir, "VGSLIB_RESULTS": os.path.join(tmp, "results")}
            book = [sys.executable, "-m", "vgslib", "book", "--path-output"]
            start = time.time()
            built = subprocess.run(book + [os.path.join(tmp, "book-reference")], env=book_env, capture_output=True)
            if built.returncode != 0:
                sys.exit("the reference book failed:\n" + built.stdout.decode()[-3000:] + built.stderr.decode()[-3000:])
            book_seconds = time.time() - start
            reference_book = book_fingerprint(os.path.join(tmp, "book-reference"))
            print(f"reference book: {book_seconds:.0f} s, pages {reference_book}", flush=True)
        for stage in [s for s in ("prepare", "analyse", "book") if s in stages]:
            for k in range(args.kills):
                folder = os.path.join(tmp, f"{stage}-killed-{k}")
                if stage == "prepare":
                    cmd, stage_env, duration = prepare, {**env, "VGSLIB_DATA": folder}, prepare_seconds
                elif stage == "analyse":
                    cmd, stage_env, duration = analyse + [folder], dict(env), analyse_seconds
                else:
                    cmd, stage_env, duration = book + [folder], dict(book_env), book_seconds
                stage_env["VGSLIB_KILLED"] = folder  # marks the stage's processes (for the orphan search)
                moment, left, code = kill_and_rerun(cmd, stage_env, duration, rng, folder + ".log", folder)
                if stage == "prepare":
                    same = code == 0 and data_fingerprint(folder, config) == reference_data
                    same = same and not glob.glob(os.path.join(folder, "*.partial"))
                elif stage == "analyse":
                    same = code == 0 and results_fingerprint(folder) == reference_results
                else:
                    same = code == 0 and book_fingerprint(folder) == reference_book
                failures += not same or bool(left)
                print(
                    f"{stage} kill {k + 1}: at {moment:5.1f} s, {len(left)} orphan(s) -> rerun "
                    + ("ends identical" if same else f"DIFFERS (exit {code})"),
                    flush=True,
                )
        sys.exit(1 if failures else 0)
