"""Validate the in-step sampler of negatives against the paper's before any preset uses it (issue: the laptop
study at a fifth of its cost).

Trains Table 1 (6 conditions x seeds 0-4) of the `laptop` recipe twice on the same seeds, once with each sampler
(`train.negatives` = "pool", the paper's, and "batch", negatives from the step's own items), into
`runs/sampler-check/<sampler>/`, then writes the comparison the model chapter shows:

- `analysis/sampler-check.csv`: per Table 1 cell (training languages, test language) and test (FF, NF, FN):
  each sampler's accuracy, their difference in points, and the GLMM contrast batch vs pool (runs and words
  random, by-word slopes; Holm over the cells of a test; no effect size at the ceiling);
- `analysis/sampler-check-findings.csv`: the findings at a glance under each sampler: NF against chance per
  cell, bilingual vs monolingual NF contrasts (GLMM, Holm), and the mechanism quantities' means per cell;
- `analysis/sampler-check-runs.csv`: per run its accuracies, steps and training seconds (the cost).

The rule, fixed before the runs (`vgslib.results.sampler.RULE`): switch `laptop` and `classroom` to "batch" if
no cell differs reliably and every |dNF| <= 3 points; otherwise keep "pool" and say why.

    python analysis/sampler_check.py [--workers 2] [--train-only | --analyse-only]

Where CUDA is present the runs train on it (`train.device = auto`); the record of each run says where.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from vgslib import paths
from vgslib.atomic import write_text
from vgslib.recipe import make_config

CONDITIONS = (("en",), ("fr",), ("nl",), ("en", "fr"), ("en", "nl"), ("fr", "nl"))
SEEDS = tuple(range(5))
SAMPLERS = ("pool", "batch")
OUT = os.path.join(paths.REPO_ROOT, "analysis")


def config(sampler: str, languages: tuple[str, ...], seed: int):
    return make_config("laptop", {"train": {"languages": list(languages), "seed": seed, "negatives": sampler}})


def run_dir(sampler: str, cfg) -> str:
    return os.path.join(paths.runs_root(), "sampler-check", sampler, cfg.condition.run_name)


_DATA = None  # each worker reads the prepared features once


def run_one(job: tuple) -> str:
    global _DATA
    from vgslib.encoders.prepare import load_prepared
    from vgslib.training import experiment

    sampler, languages, seed = job
    cfg = config(sampler, languages, seed)
    _DATA = _DATA or load_prepared()
    return experiment.run(cfg, run_dir(sampler, cfg), data=_DATA, progress=False)


def train(workers: int) -> None:
    """Every run not yet complete, longest first, `workers` at a time (`make prepare` first)."""
    jobs = [(s, c, seed) for seed in SEEDS for s in SAMPLERS for c in CONDITIONS]
    jobs.sort(key=lambda j: -(len(j[1]) * (3 if j[0] == "pool" else 1)))  # longest first
    begin = time.time()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(run_one, job): job for job in jobs}
        for done, future in enumerate(as_completed(futures), 1):
            print(f"[{time.time() - begin:6.0f} s] {done}/{len(jobs)} {future.result()}", flush=True)


def analyse() -> None:
    from vgslib.results import negative_sampler as sampler

    roots = {s: os.path.join(paths.runs_root(), "sampler-check", s) for s in SAMPLERS}
    from vgslib.encoders.prepare import load_prepared

    tables = sampler.compare(roots, load_prepared().manifest)
    for name, table in tables.items():
        write_text(os.path.join(OUT, f"sampler-check{name}.csv"), table.to_csv(index=False))
    print(sampler.RULE)
    print(sampler.verdict(tables[""]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--analyse-only", action="store_true")
    parser.add_argument("--train-only", action="store_true", help="e.g. on a machine without the statistics packages")
    args = parser.parse_args()
    if not args.analyse_only:
        train(args.workers)
    if not args.train_only:
        analyse()
    sys.exit(0)
