"""Calibration of the contrast estimators on simulated studies of the study's shape (5 runs per condition,
19 novel words, 50 trials per word and run), with a known truth.

Targets (the statistics issue): 95 % intervals cover the truth in 93-97 % of studies, p < 0.05 in at most
6 % of studies without an effect, and the power for the effect sizes the study shows.

    python benchmarks/bench_calibration.py [--studies 200] [--estimators glmm glmm-paired laplace gee] [--out FILE.csv]
"""

import argparse
import os
import time

import pandas as pd

from vgslib.atomic import write_text
from vgslib.results.calibration import Design, run
from vgslib.runs import git_commit

SCENARIOS = [  # name, design, true log odds ratio; the hardest null first
    ("null, words respond differently", Design(word_slope_sd=0.5), 0.0),
    # About the size of the study's largest NF contrasts (|log odds ratio| <= 0.3 in the Table 1 grid): the power
    # the study has for the effects it shows.
    ("effect -0.3, words respond differently", Design(word_slope_sd=0.5), -0.3),
    ("null, words alike", Design(), 0.0),
    # The training effect's design (`study.training_effect`): the same runs untrained and trained, the untrained
    # (run, word) spread about four times the trained one, as measured on the laptop runs (benchmarks/README.md).
    (
        "paired null, untrained spread 1.2",
        Design(paired=True, cell_sd=0.3, reference_cell_sd=1.2, word_slope_sd=0.3),
        0.0,
    ),
    (
        "paired effect +0.3, untrained spread 1.2",
        Design(paired=True, cell_sd=0.3, reference_cell_sd=1.2, word_slope_sd=0.3),
        0.3,
    ),
]
PAIRED_ONLY = {"glmm-paired"}  # estimators for the paired designs alone (the others fit both kinds)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", type=int, default=200)
    parser.add_argument("--estimators", nargs="+", default=["glmm", "glmm-paired", "laplace", "gee"])
    parser.add_argument(
        "--out", default="", help="also write the table as CSV, row by row; rows already in it are kept, not rerun"
    )
    args = parser.parse_args()
    done = pd.read_csv(args.out) if args.out and os.path.exists(args.out) else pd.DataFrame()
    rows = done.to_dict("records")
    commit = git_commit()["commit"][:10]
    for seed, (name, design, effect) in enumerate(SCENARIOS):
        for estimator in args.estimators:
            if (estimator in PAIRED_ONLY) != design.paired and estimator != "gee":
                continue  # a paired design is fitted by the paired GLMM (and GEE, which clusters by run either way)
            key = (name, estimator, args.studies)
            if any((r["scenario"], r["estimator"], r["studies"]) == key for r in rows):
                continue
            start = time.time()
            result = run(design, name, effect, estimator, args.studies, seed=seed)
            rows.append({**result, "seconds per study": (time.time() - start) / args.studies, "commit": commit})
            print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
            if args.out:
                write_text(args.out, pd.DataFrame(rows).to_csv(index=False))
    print(pd.DataFrame(rows).to_string(index=False))
