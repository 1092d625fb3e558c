"""The paper's sampler of negatives against the in-step sampler: Table 1 trained with each on the same seeds
(`analysis/sampler_check.py`), compared cell by cell, and the rule that decides which one the laptop presets use.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from vgslib.results import glmm, stats, study

MAX_NF_POINTS = 3.0
RULE = (
    'The laptop and classroom presets draw negatives from the step\'s own items ("batch") only if, on Table 1 '
    "trained with both samplers on the same five seeds, no cell (condition x test language) differs reliably "
    "between them on FF, NF or FN (GLMM contrast batch vs pool, Holm over the cells of each test) and every cell's "
    f'NF differs by at most {MAX_NF_POINTS:g} points; otherwise they keep the paper\'s sampler ("pool").'
)
TESTS = ("ff", "nf", "fn")
SUMMARY_QUANTITIES = ("var_img_fam", "var_audio_fam", "gap", "me_margin", "referent")


def load(roots: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Each sampler's runs (`runs.load_runs` of its root) as one set of tables, labelled by `sampler`; within a
    set every run counts as its Table 1 run (each set is a complete Table 1 of its own recipe), labelled by its
    training languages alone (a recipe other than the preset's gets a label of its own per run otherwise)."""
    from vgslib import runs

    out: dict[str, list] = {"trials": [], "runs": [], "metrics": []}
    for name, root in roots.items():
        loaded = runs.load_runs(root)
        if loaded["runs"].empty:
            raise FileNotFoundError(f"no complete runs under {root}: train them with analysis/sampler_check.py")
        for key in out:
            t = loaded[key]
            t = t.assign(sampler=name, variant="", table1=True, condition_label=t.train_langs,
                         run_id=t.train_langs + " seed" + t.seed.astype(str))  # fmt: skip
            out[key].append(t)
    return {key: pd.concat(parts, ignore_index=True) for key, parts in out.items()}


def cell_contrasts(trials: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per (training languages, test language, test): each sampler's accuracy, the difference in points and the
    GLMM log odds ratio batch vs pool with its interval, Holm-corrected over the cells of each test."""
    rows = []
    for (langs, lang, test), cell in trials[trials.test.isin(TESTS)].groupby(["train_langs", "lang", "test"]):
        cell = cell.assign(condition_label=cell.sampler, run_id=cell.sampler + "|" + cell.run_id.astype(str))
        accuracy = cell.groupby("sampler").correct.mean()
        fit = glmm.contrast(cell, "batch", "pool", seed=seed)
        rows.append(
            {
                "train_langs": langs,
                "lang": lang,
                "test": test,
                "pool": float(accuracy["pool"]),
                "batch": float(accuracy["batch"]),
                "diff_points": float(100 * (accuracy["batch"] - accuracy["pool"])),
                **{k: fit[k] for k in ("ceiling", "log_odds_ratio", "low", "high", "p_approx")},
                **{k: fit.get(k, np.nan) for k in ("rhat", "ess_bulk", "divergences")},
            }
        )
    table = pd.DataFrame(rows)
    tested = ~table.ceiling.astype(bool)
    table["p_holm"] = np.nan
    for test in TESTS:
        mask = tested & (table.test == test)
        if mask.any():
            table.loc[mask, "p_holm"] = stats.holm(table.loc[mask, "p_approx"])
    table["reliable"] = stats.reliable(table)
    return table


def verdict(cells: pd.DataFrame) -> dict:
    """The rule applied: which sampler the presets use, and why in one sentence."""
    nf = cells[cells.test == "nf"]
    reliable = cells[cells.reliable.fillna(False).astype(bool)]
    largest = nf.loc[nf.diff_points.abs().idxmax()]
    ok = reliable.empty and bool((nf.diff_points.abs() <= MAX_NF_POINTS).all())
    parts = [
        f"{len(reliable)} of {int((~cells.ceiling.astype(bool)).sum())} tested cells differ reliably"
        + (" (" + ", ".join(f"{r.train_langs} on {r.lang.upper()} {r.test.upper()}" for r in reliable.itertuples())
           + ")" if len(reliable) else ""),
        f"the largest NF difference is {largest.diff_points:+.1f} points ({largest.train_langs} on "
        f"{largest.lang.upper()})",
    ]  # fmt: skip
    return {"sampler": "batch" if ok else "pool", "switch": ok, "reason": "; ".join(parts)}


def findings(tables: dict[str, pd.DataFrame], manifest=None, seed: int = 0) -> pd.DataFrame:
    """The findings at a glance under each sampler, as long rows (sampler, finding, cell, value, low, high, p_holm):
    NF against chance per cell and bilingual vs monolingual NF (GLMM, Holm), and with `manifest` the mechanism
    quantities' means per cell."""
    rows = []
    for name, trials in tables["trials"].groupby("sampler"):
        chance = study.versus_chance(trials, "nf")
        for r in chance.itertuples():
            rows.append({"sampler": name, "finding": "NF vs chance (typical seed and word)",
                         "cell": f"{r.condition_label} on {r.lang.upper()}", "value": r.accuracy, "low": r.low,
                         "high": r.high, "p_holm": r.p_holm})  # fmt: skip
        bilingual = study.contrasts(trials, "nf", families=("bilingual",), estimators=("glmm",))
        for r in bilingual.itertuples():
            rows.append({"sampler": name, "finding": "bilingual vs monolingual NF (log OR)", "cell": f"{r.condition} "
                         f"vs {r.reference} on {r.lang.upper()}", "value": r.log_odds_ratio, "low": r.low,
                         "high": r.high, "p_holm": r.p_holm})  # fmt: skip
    if manifest is not None:
        from vgslib.results import mechanism

        for name, summary in tables["runs"].groupby("sampler"):
            per_run = mechanism.per_run_table(summary, manifest)
            means = per_run.groupby(["train_langs", "lang"])[list(SUMMARY_QUANTITIES)].mean().reset_index()
            for r in means.itertuples():
                for q in SUMMARY_QUANTITIES:
                    rows.append({"sampler": name, "finding": q, "cell": f"{r.train_langs} on {r.lang.upper()}",
                                 "value": getattr(r, q)})  # fmt: skip
    return pd.DataFrame(rows)


def cost(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per run: its sampler, cell, steps, training seconds (the sum of its epochs'), milliseconds per step and the
    device it trained on (from its `env.json`)."""
    m = tables.get("metrics")
    summary = tables["runs"]
    out = summary[["sampler", "run", "train_langs", "seed", "steps", "best_epoch"]].copy()
    devices = []
    for run_dir in summary.dir:
        with open(os.path.join(run_dir, "env.json")) as f:
            env = json.load(f)
        devices.append(env.get("cuda") or env.get("processor") or env.get("device"))
    out["device"] = devices
    if m is not None:
        seconds = m.groupby(["sampler", "run"]).train_seconds.sum().rename("train_seconds").reset_index()
        out = out.merge(seconds, on=["sampler", "run"], how="left")
        out["ms_per_step"] = 1000 * out.train_seconds / out.steps
    return out


def compare(roots: dict[str, str], manifest=None) -> dict[str, pd.DataFrame]:
    """Everything `analysis/sampler_check.py` writes, keyed by file-name suffix."""
    tables = load(roots)
    return {"": cell_contrasts(tables["trials"]), "-findings": findings(tables, manifest), "-runs": cost(tables)}
