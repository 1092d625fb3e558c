"""The full study's results (protocol §7): Table 1, ME against chance, and the contrasts between conditions.

Everything starts from the per-trial table of `runs.load_runs()`, whose condition columns come from each
run's recorded condition (`vgslib.condition`): `condition_label` names what differs from the Table 1 recipe
("en", "en+fr", "en+fr links", "en 2x", "en lg"), `run_id` is a condition and a seed, `table1` says whether
the run belongs to Table 1.
Contrasts come in families (one per question of the protocol), each Holm-corrected on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vgslib.results import glmm, stats
from vgslib.results.tables import TEST_NAMES

FAMILIES = {
    "bilingual": "monolingual vs bilingual",
    "links": "bilingual + links vs bilingual",
    "resample": "monolingual 2x vs 1x, and bilingual vs monolingual 2x",
    "size": "model size vs the preset's size",
}


def per_run(trials: pd.DataFrame) -> pd.DataFrame:
    """Accuracy of each run on each (test language, test)."""
    keys = ["condition_label", "train_langs", "bilingual", "preset", "table1", "seed", "run_id", "lang", "test"]
    return trials.groupby(keys).correct.agg(accuracy="mean", n_trials="size").reset_index()


def table1(trials: pd.DataFrame, tests=("ff", "nf")) -> pd.DataFrame:
    """Mean and standard error over seeds of each Table 1 condition's accuracy per test language and test."""
    runs = per_run(trials[trials.table1 & trials.test.isin(tests)])
    out = runs.groupby(["train_langs", "preset", "lang", "test"]).accuracy.agg(["mean", "std", "count"]).reset_index()
    out["se"] = out["std"] / np.sqrt(out["count"])
    return out.rename(columns={"count": "seeds"}).drop(columns="std")


def table1_at_epoch(metrics: pd.DataFrame, epoch: int = 0, tests=("ff", "nf")) -> pd.DataFrame:
    """Table 1 from the per-epoch metrics at one epoch (0: the untrained model), in `table1`'s columns."""
    at = metrics[metrics.table1.astype(bool) & (metrics.epoch == epoch)]
    columns = [c for c in at.columns if c.split("_")[0] in tests and c.count("_") == 1]
    long = at.melt(id_vars=["train_langs", "preset", "seed"], value_vars=columns, value_name="accuracy").dropna()
    long[["test", "lang"]] = long.variable.str.split("_", n=1, expand=True)
    out = long.groupby(["train_langs", "preset", "lang", "test"]).accuracy.agg(["mean", "std", "count"]).reset_index()
    out["se"] = out["std"] / np.sqrt(out["count"])
    return out.rename(columns={"count": "seeds"}).drop(columns="std")


def table1_display(table: pd.DataFrame, order=("en", "fr", "nl", "en+fr", "en+nl", "fr+nl")) -> pd.DataFrame:
    """Table 1's layout: a row per training condition, a column per (test language, test), "mean ± se" in %."""
    cells = table.assign(
        cell=[
            f"{100 * m:.1f} ± {100 * s:.1f}" if np.isfinite(s) else f"{100 * m:.1f}"
            for m, s in zip(table["mean"], table["se"])
        ],
        column=table.lang.str.upper() + " " + table.test.str.upper(),
    )
    wide = cells.pivot_table(index="train_langs", columns="column", values="cell", aggfunc="first").fillna("")
    rows = [r for r in order if r in wide.index] + [r for r in wide.index if r not in order]
    wide = wide.loc[rows]
    wide.index = [r.upper() for r in wide.index]
    wide.columns.name = None
    return wide


ESTIMATORS = {
    "glmm": "the sampled Bayesian GLMM (primary; vgslib.results.glmm)",
    "laplace": "statsmodels' BinomialBayesMixedGLM at its posterior mode (a fast approximation)",
    "gee": "GEE with runs as clusters, bias-reduced errors and t references (contrasts only)",
}


def versus_chance(trials: pd.DataFrame, test: str = "nf", estimator: str = "glmm") -> pd.DataFrame:
    """Per condition and test language: the accuracy of a typical seed and word against 50 % by `estimator`
    (random intercepts for seed, word and, in the GLMM, seed x word), Holm-corrected over the cells, and how
    many seeds' own binomial tests are above chance at 5 % (`seeds_above_chance`: descriptive only, never
    evidence: a seed's trials share words, which the per-seed test ignores; the book does not show it)."""
    fit_cell = {"glmm": glmm.vs_chance, "laplace": stats.vs_chance}[estimator]
    rows = []
    part = trials[trials.test == test]
    for (label, lang), cell in part.groupby(["condition_label", "lang"]):
        seeds = stats.per_seed_binomial(cell)
        above = int(((seeds.accuracy > 0.5) & (seeds.p < 0.05)).sum())
        rows.append(
            {"condition_label": label, "lang": lang, "test": test, **fit_cell(cell), "seeds_above_chance": above}
        )
    table = pd.DataFrame(rows)
    if len(table):
        table["p_holm"] = stats.holm(table.p_approx)
    return table


def paired_effect(trained: pd.DataFrame, untrained: pd.DataFrame, estimator: str = "glmm") -> dict | None:
    """One cell's trained models against the same runs untrained, on the runs (`run_id`) that hold both: how many,
    the two raw accuracies and the paired contrast (`glmm.paired_contrast`, or the Laplace approximation); None
    when no run holds both."""
    both = sorted(set(trained.run_id) & set(untrained.run_id))
    if not both:
        return None
    pair = pd.concat([trained[trained.run_id.isin(both)].assign(condition_label="trained"),
                      untrained[untrained.run_id.isin(both)].assign(condition_label="untrained")])  # fmt: skip
    raw = pair.groupby("condition_label").correct.mean()
    fit = {"glmm": glmm.paired_contrast, "laplace": stats.contrast}[estimator]
    return {"runs": len(both), "trained_accuracy": float(raw["trained"]), "untrained_accuracy": float(raw["untrained"]),
            **fit(pair, "trained", "untrained")}  # fmt: skip


def training_effect(
    trials: pd.DataFrame, untrained: pd.DataFrame, tests=("nf", "fn"), estimator: str = "glmm"
) -> pd.DataFrame:
    """Does training produce the preference? Per Table 1 cell and test, each run's trained model (its reported
    epoch) against the same run's untrained model (epoch 0) on the same trials: a paired contrast whose run
    intercepts are shared by the two (`glmm.paired_contrast`: run, word and run x word effects, the last with a
    spread per state, and a slope per word), log odds ratio trained vs untrained with a 95 % interval,
    Holm-corrected over the cells of each test. Only runs that hold both are used (`runs` says how many)."""
    t1 = trials[trials.table1]
    rows = []
    for test in tests:
        for (label, lang), cell in t1[t1.test == test].groupby(["condition_label", "lang"]):
            before = untrained[(untrained.test == test) & (untrained.lang == lang)]
            row = paired_effect(cell, before, estimator)
            if row is not None:
                rows.append({"condition_label": label, "lang": lang, "test": test, **row})
    table = pd.DataFrame(rows)
    if len(table):
        table["p_holm"] = table.groupby("test").p_approx.transform(stats.holm)
    return table


def contrast_pairs(trials: pd.DataFrame) -> list[dict]:
    """The (family, test language, condition, reference) contrasts whose runs are all present, found from the
    runs' recorded conditions (never from their labels)."""
    conds = trials.drop_duplicates(["condition_label", "lang"])
    conds = conds[conds.variant.fillna("") == ""] if "variant" in conds else conds  # custom recipes take no part
    default_size = conds["size"] == conds["preset_size"]
    plain = ~conds.links.astype(bool) & default_size  # no links, the preset's size
    pairs = []

    def label(rows: pd.DataFrame) -> str | None:
        return rows.condition_label.iloc[0] if len(rows) else None

    for lang in sorted(set(conds.lang)):
        here = conds.lang == lang
        mono = label(conds[here & conds.table1 & ~conds.bilingual])
        mono_2x = label(conds[here & plain & ~conds.bilingual & (conds.anchor_repeats == 2)])
        for bi in conds[here & conds.table1 & conds.bilingual].sort_values("train_langs").itertuples():
            same = here & (conds.train_langs == bi.train_langs) & default_size & (conds.anchor_repeats == 1)
            links = label(conds[same & conds.links.astype(bool)])
            pairs += [("bilingual", lang, bi.condition_label, mono), ("links", lang, links, bi.condition_label)]
            pairs.append(("resample", lang, bi.condition_label, mono_2x))
        pairs.append(("resample", lang, mono_2x, mono))
        sizes = conds[here & ~conds.links.astype(bool) & (conds.anchor_repeats == 1) & ~default_size]
        for size in sizes.sort_values("condition_label").itertuples():
            reference = label(conds[here & conds.table1 & (conds.train_langs == size.train_langs)])
            pairs.append(("size", lang, size.condition_label, reference))
    return [
        {"family": f, "lang": lang, "condition": c, "reference": r}
        for f, lang, c, r in pairs
        if c is not None and r is not None
    ]


def check_options(families, estimators, tests=()) -> None:
    """Unknown contrast families, estimators or tests are errors that name them."""
    options = (("families", families, FAMILIES), ("estimators", estimators, ESTIMATORS), ("tests", tests, TEST_NAMES))
    for what, given, known in options:
        if set(given) - set(known):
            raise ValueError(f"unknown {what} {sorted(set(given) - set(known))}; known {what} are {sorted(known)}")


def contrasts(
    trials: pd.DataFrame, test: str = "nf", families=tuple(FAMILIES), estimators=("glmm", "gee")
) -> pd.DataFrame:
    """Every available contrast on one test by each of `estimators` (see `ESTIMATORS`), Holm-corrected within
    each family and estimator; log odds ratios (condition vs reference) with 95 % intervals. The GEE, whose
    clusters are runs, needs at least two runs of each condition."""
    check_options(families, estimators)
    fitters = {"glmm": glmm.contrast, "laplace": stats.contrast, "gee": stats.gee_contrast}
    part = trials[trials.test == test]
    runs_of = part.groupby("condition_label").run_id.nunique()
    rows = []
    for pair in (p for p in contrast_pairs(part) if p["family"] in families):
        cell = part[part.lang == pair["lang"]]
        enough_runs = min(runs_of[pair["condition"]], runs_of[pair["reference"]]) >= 2
        fits = [fitters[e](cell, pair["condition"], pair["reference"]) for e in estimators if e != "gee" or enough_runs]
        accuracy = cell.groupby("condition_label").correct.mean()
        for fit in fits:
            rows.append(
                {
                    **pair,
                    "test": test,
                    **fit,
                    "condition_accuracy": float(accuracy[pair["condition"]]),
                    "reference_accuracy": float(accuracy[pair["reference"]]),
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = table.groupby(["family", "estimator"]).p_approx.transform(stats.holm)
    return table
