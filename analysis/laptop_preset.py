"""Choose the laptop preset's schedule on validation data only: train seed 0 of EN, FR, NL and EN+FR under
candidate schedules and keep, per epoch, the validation loss and the validation FF accuracy (familiar-familiar
trials drawn from the validation split). No test-split number is read or written here.

    python analysis/laptop_preset.py [--out analysis/laptop-preset.csv] [--workers 2]

The rule, fixed before the runs, is `vgslib.results.tables.SCHEDULE_RULE`; the model chapter plots the curves
from the CSV and applies it.
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from vgslib import paths, runs
from vgslib.atomic import write_text
from vgslib.recipe import make_config
from vgslib.results.tables import SCHEDULE_RULE, schedule_choice

CONDITIONS = (("en",), ("fr",), ("nl",), ("en", "fr"))
CANDIDATES = (  # (epochs, peak learning rate); the warm-up is a tenth of the schedule
    (7, 1e-3),
    (14, 1e-3),
    (21, 1e-3),
    (14, 5e-4),
)


def config(languages: tuple[str, ...], epochs: int, lr: float):
    train = {"languages": list(languages), "epochs": epochs, "warmup_epochs": epochs / 10, "lr": lr, "seed": 0}
    return make_config("laptop", {"train": train})


def run_one(job: tuple) -> list[dict]:
    from vgslib.training import experiment

    languages, epochs, lr = job
    cfg = config(languages, epochs, lr)
    name = f"{'+'.join(languages)}-e{epochs}-lr{lr:g}"
    run_dir = experiment.run(cfg, os.path.join(paths.runs_root(), "laptop-preset", name), progress=False)
    keep = ("epoch", "val_loss")
    return [
        {"condition": "+".join(languages), "epochs": epochs, "lr": lr}
        | {k: v for k, v in m.items() if k in keep or k.startswith("val_ff_")}
        for m in runs.read_metrics(run_dir)
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(paths.REPO_ROOT, "analysis", "laptop-preset.csv"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    jobs = [(c, e, lr) for e, lr in CANDIDATES for c in CONDITIONS]
    jobs.sort(key=lambda j: -j[1] * len(j[0]))  # longest first
    with ProcessPoolExecutor(args.workers) as pool:
        curves = pd.DataFrame([row for rows in pool.map(run_one, jobs) for row in rows])
    write_text(args.out, curves.to_csv(index=False))
    print(SCHEDULE_RULE)
    print(schedule_choice(curves).to_string(index=False))
