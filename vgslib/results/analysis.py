"""The study's statistics computed once, into a results folder that the book reads (it fits no model itself).

`analyse` takes the per-trial table of `runs.load_runs()` (one preset's runs) and returns every table of the
study: Table 1, per-run accuracies, ME against chance (Table 1 cells and the seed-0 first results), and the
contrast families on NF and FF. `write` stores them as CSV beside a `summary.json` (what was analysed, by
which estimators, how long it took) and the per-trial table for R users (`trials.csv`, the columns
`analysis/glmer.R` reads); `read` loads them back. `notebooks/analyse.py` is the papermill face of this.
"""

from __future__ import annotations

import json
import os
import time

import pandas as pd

from vgslib.atomic import atomic_path, write_json
from vgslib.results import ingredients, mechanism, study

TABLES = ("table1", "per_run", "chance", "first_chance", "contrasts", "training_effect", "hub_chance")
# What a results folder holds: the statistics, the geometry chapter's tables (where the notebook had the
# prepared data the runs were trained on) and the ingredient families' learned ME (where their runs exist).
STORED = TABLES + tuple(mechanism.CHAPTER_TABLES) + ingredients.TABLES
R_COLUMNS = ["correct", "test", "lang", "condition_label", "run_id", "seed", "concept", "preset"]


def analyse(
    trials: pd.DataFrame,
    tests=("nf", "ff"),
    families=tuple(study.FAMILIES),
    estimators=("glmm", "gee"),
    progress: bool = True,
    untrained: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of the study for one preset's trials (labelled with their recorded conditions); with
    `untrained` (the same runs' trials scored at epoch 0, `runs.load_runs()["untrained"]`) also the effect of
    training on NF and FN (`study.training_effect`)."""
    if trials.preset.nunique() != 1:
        raise ValueError(f"analyse one preset at a time; these trials hold {sorted(trials.preset.unique())}")
    study.check_options(families, estimators, tests)
    t1 = trials[trials.table1]
    first = t1[t1.seed == 0]
    chance_estimator = "glmm" if "glmm" in estimators else "laplace"
    steps = [
        ("table1", lambda: study.table1(t1, tests=("ff", "nf", "fn", "hub"))),
        ("per_run", lambda: study.per_run(trials)),
        ("chance", lambda: study.versus_chance(t1, "nf", estimator=chance_estimator)),  # Holm over Table 1's cells
        ("first_chance", lambda: study.versus_chance(first, "nf", estimator=chance_estimator)),
        ("hub_chance", lambda: study.versus_chance(t1, "hub", estimator=chance_estimator)),  # the hub control
        ("contrasts", lambda: pd.concat([study.contrasts(trials, t, families, estimators) for t in tests])),
    ]
    if untrained is not None and len(untrained):
        before = untrained[untrained.run_id.isin(set(t1.run_id))]
        steps.append(
            ("training_effect", lambda: study.training_effect(t1, before, ("nf", "fn", "hub"), chance_estimator))
        )
    out = {}
    for name, step in steps:
        start = time.time()
        out[name] = step()
        if progress:
            print(f"{name}: {len(out[name])} rows in {time.time() - start:.0f} s", flush=True)
    return out


def write(tables: dict[str, pd.DataFrame], trials: pd.DataFrame, folder: str, summary: dict) -> None:
    """The tables as CSV, the per-trial table for R, and `summary.json` written last (a complete folder). The old
    summary goes first and tables this analysis did not make go too: a write that fails midway leaves a folder
    `read` refuses, never new tables beside an old summary."""
    os.makedirs(folder, exist_ok=True)
    for stale in ["summary.json"] + [f"{name}.csv" for name in STORED if name not in tables]:
        if os.path.exists(os.path.join(folder, stale)):
            os.remove(os.path.join(folder, stale))
    for name, table in tables.items():
        with atomic_path(os.path.join(folder, f"{name}.csv")) as tmp:
            table.to_csv(tmp, index=False)
    with atomic_path(os.path.join(folder, "trials.csv")) as tmp:
        trials[R_COLUMNS].assign(correct=trials.correct.astype(int)).to_csv(tmp, index=False)
    write_json(os.path.join(folder, "summary.json"), summary)


def read(folder: str) -> dict:
    """The tables `write` stored, and the summary; a folder without `summary.json` is not complete."""
    path = os.path.join(folder, "summary.json")
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"{folder} holds no complete analysis: run `make book`, or `python -m vgslib notebook analyse`"
        )
    with open(path) as f:
        out: dict = {"summary": json.load(f)}
    for name in STORED:
        try:
            out[name] = pd.read_csv(os.path.join(folder, f"{name}.csv"))
        except (pd.errors.EmptyDataError, FileNotFoundError):  # a table without rows, or not made for these runs
            out[name] = pd.DataFrame()
    return out


def compare_with_lme4(folder: str) -> pd.DataFrame:
    """Our estimates beside lme4's (`analysis/glmer.R` run on the same folder): one row per contrast and per
    chance cell, with each estimator's estimate and interval on the log odds scale."""
    import numpy as np

    ours = read(folder)
    chance_r = pd.read_csv(os.path.join(folder, "glmer-chance.csv"))
    contrasts_r = pd.read_csv(os.path.join(folder, "glmer-contrasts.csv"))
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    chance = ours["chance"].merge(chance_r, on=["condition_label", "lang"], suffixes=("", "_lme4"))
    rows = [
        {
            "what": f"{r.condition_label} on {r.lang.upper()} vs chance",
            "ours": logit(r.accuracy),
            "ours_low": logit(r.low),
            "ours_high": logit(r.high),
            "lme4": logit(r.accuracy_lme4),
            "lme4_low": logit(r.low_lme4),
            "lme4_high": logit(r.high_lme4),
            "ours_estimator": r.estimator,
        }
        for r in chance.itertuples()
    ]
    keys = ["family", "lang", "condition", "reference", "test"]
    main = ours["contrasts"][ours["contrasts"].estimator.str.startswith("GLMM")]
    pairs = main.merge(contrasts_r, on=keys, suffixes=("", "_lme4"))
    rows += [
        {
            "what": f"{r.condition} vs {r.reference} on {r.lang.upper()} ({r.test.upper()})",
            "ours": r.log_odds_ratio,
            "ours_low": r.low,
            "ours_high": r.high,
            "lme4": r.log_odds_ratio_lme4,
            "lme4_low": r.low_lme4,
            "lme4_high": r.high_lme4,
            "ours_estimator": r.estimator,
        }
        for r in pairs.itertuples()
    ]
    return pd.DataFrame(rows)


LME4 = "lme4-comparison"  # .csv and .json in the results folder: our estimates beside lme4's for these runs
GLMER_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "analysis",
                            "glmer.R")  # fmt: skip


def lme4_version() -> str:
    """The installed lme4's version, "" where R or lme4 is missing (R is optional: the study never needs it)."""
    import shutil
    import subprocess

    if not shutil.which("Rscript"):
        return ""
    cmd = ["Rscript", "-e", "cat(as.character(packageVersion('lme4')))"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return done.stdout.strip() if done.returncode == 0 else ""


def compare_lme4(folder: str, record: dict | None = None) -> pd.DataFrame | None:
    """Run `analysis/glmer.R` on a complete results folder and write `lme4-comparison.csv` and `.json` beside
    its tables: the comparison belongs to these runs. None (and nothing written) without R and lme4."""
    import subprocess

    version = lme4_version()
    if not version:
        return None
    done = subprocess.run(["Rscript", GLMER_SCRIPT, folder], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"analysis/glmer.R failed on {folder}:\n{done.stderr[-2000:]}")
    table = compare_with_lme4(folder)
    with atomic_path(os.path.join(folder, LME4 + ".csv")) as tmp:
        table.round(4).to_csv(tmp, index=False)
    summary = read(folder)["summary"]
    write_json(os.path.join(folder, LME4 + ".json"), {
        **(record or {}), "preset": summary["preset"], "runs": summary["runs"], "lme4": version,
        "max_abs_difference": float((table.ours - table.lme4).abs().max()),
        "width_ratio": float(((table.lme4_high - table.lme4_low) / (table.ours_high - table.ours_low)).mean()),
    })  # fmt: skip
    return table
