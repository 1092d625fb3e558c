"""The main job, stage by stage: prepare the miniature -> run the grid -> the statistics -> render the book.

    python -m vgslib pipeline              # Table 1 (6 conditions x 5 seeds) + the links and 2x controls (`make book`)
    python -m vgslib pipeline --grid table1  # the Table 1 grid only (`make book QUICK=1`)
    python -m vgslib pipeline --grid full  # every condition of the study (`make book FULL=1`)

Each stage runs in its own process and reuses what is complete (the cached world, encoders and features;
complete run directories), so a job killed halfway and started again continues where it stopped. The time of
every stage is printed at the end, also when a stage fails, and recorded after each stage in
`results/<preset>/stage-times-<grid>.json` with the commit and the machine (`benchmarks/bench_speed.py --targets`
reads it): the times of this invocation, so a job continued after a stop records only what it did itself.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

from vgslib import paths
from vgslib.atomic import write_json
from vgslib.jobs.grid import GRIDS, count
from vgslib.processes import die_with_parent
from vgslib.recipe import PRESETS, default_preset
from vgslib.runs import git_commit


def stages(grid: str, preset: str | None, workers: int | None) -> list[tuple[str, list[str]]]:
    run_grid = [sys.executable, "-m", "vgslib", "grid", grid]
    if preset:
        run_grid += ["--preset", preset]
    if workers:
        run_grid += ["--workers", str(workers)]
    analyse = [sys.executable, "-m", "vgslib", "notebook", "analyse"] + (["-p", "preset", preset] if preset else [])
    return [
        ("prepare the miniature", [sys.executable, "-m", "vgslib", "prepare"]),
        (f"train and test ({grid} grid)", run_grid),
        ("statistics (notebooks/analyse.py)", analyse),
        ("render the book", [sys.executable, "-m", "vgslib", "book", "--complete"]),
    ]


def times_path(grid: str, preset: str) -> str:
    """Where a pipeline of `grid` under `preset` records its stage times."""
    return os.path.join(paths.results_dir(preset), f"stage-times-{grid}.json")


def record(path: str, grid: str, preset: str, started: str, times: list[tuple[str, float, str]]) -> None:
    """The stage times so far, with what makes them comparable: commit, cores, processor."""
    write_json(path, {
        "grid": grid, "preset": preset, **git_commit(), "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(), "started": started,
        "stages": [{"stage": name, "seconds": round(seconds, 1), "status": status} for name, seconds, status in times],
        "total_seconds": round(sum(t for _, t, _ in times), 1),
    })  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vgslib pipeline", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--grid", default="controls", choices=GRIDS)
    parser.add_argument("--preset", default=None, choices=sorted(PRESETS), help="default: paper on a GPU, else laptop")
    parser.add_argument("--workers", type=count(1), default=None, help="local grid workers (default: one per core)")
    args = parser.parse_args(argv)

    preset = args.preset or default_preset()
    path, started = times_path(args.grid, preset), datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    times: list[tuple[str, float, str]] = []
    code = 0
    for name, cmd in stages(args.grid, args.preset, args.workers):
        print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
        start = time.time()
        code = subprocess.call(cmd, preexec_fn=die_with_parent)  # killing the pipeline stops its stages
        times.append((name, time.time() - start, "ok" if code == 0 else f"failed (exit {code})"))
        record(path, args.grid, preset, started, times)
        if code != 0:
            break
    print("\nstage times")
    for name, seconds, status in times:
        print(f"  {name:<34} {seconds / 60:6.1f} min  {status}")
    print(f"  {'total':<34} {sum(t for _, t, _ in times) / 60:6.1f} min  (recorded in {path})")
    return code


if __name__ == "__main__":
    sys.exit(main())
