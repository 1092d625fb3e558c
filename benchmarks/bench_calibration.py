"""Calibration of the contrast estimators on simulated studies of the study's shape (5 runs per condition,
19 novel words, 50 trials per word and run), with a known truth.

Targets (the statistics issue): 95 % intervals cover the truth in 93-97 % of studies, p < 0.05 in at most
6 % of studies without an effect, and the power for the effect sizes the study shows.

    python benchmarks/bench_calibration.py [--studies 200] [--estimators glmm laplace gee] [--out FILE.csv]
"""

import argparse
import time

import pandas as pd

from vgslib.results.calibration import Design, run

SCENARIOS = [  # name, design, true log odds ratio
    ("null, words alike", Design(), 0.0),
    ("null, words respond differently", Design(word_slope_sd=0.5), 0.0),
    ("effect -0.3, words respond differently", Design(word_slope_sd=0.5), -0.3),
    ("effect -0.6, words respond differently", Design(word_slope_sd=0.5), -0.6),
]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", type=int, default=200)
    parser.add_argument("--estimators", nargs="+", default=["glmm", "laplace", "gee"])
    parser.add_argument("--out", default="", help="also write the table as CSV")
    args = parser.parse_args()
    rows = []
    for name, design, effect in SCENARIOS:
        for estimator in args.estimators:
            start = time.time()
            result = run(design, name, effect, estimator, args.studies, seed=SCENARIOS.index((name, design, effect)))
            rows.append({**result, "seconds per study": (time.time() - start) / args.studies})
            print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)
    table = pd.DataFrame(rows)
    if args.out:
        table.to_csv(args.out, index=False)
    print(table.to_string(index=False))
