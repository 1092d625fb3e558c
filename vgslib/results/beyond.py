"""The beyond-the-paper families (`vgslib.experiments`) read from the runs: which run trains which setting, the
accuracies per setting with intervals over seeds, each setting against the Table 1 recipe with the study's
contrast estimator (GEE over runs, Holm within a family), the geometry of the mechanism analysis per setting,
and what each family cost.

A run belongs to a setting when its recorded config is its Table 1 run's (same condition and seed) with the
setting's changes and nothing else; runs of a family whose Table 1 run is missing are left out.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from vgslib import experiments
from vgslib.experiments import Family
from vgslib.results import geometry, mechanism, stats, tables
from vgslib.sources import concepts

TESTS = ("nf", "ff", "nn", "fn")


def run_config(run_dir: str) -> dict:
    """A run's recorded config (`config.json`)."""
    with open(os.path.join(run_dir, "config.json")) as f:
        return json.load(f)


def assign(summary: pd.DataFrame, preset: str, families=experiments.FAMILIES) -> pd.DataFrame:
    """One row per (family, run) of `preset`: the run's labels and accuracies with `family`, `setting` (its
    label), `value` and `baseline`. A Table 1 run is the baseline of every family whose conditions hold it."""
    runs = summary[summary.preset == preset]
    # No run of any family (e.g. a class's runs without English): the columns still, so each family reads none.
    empty = pd.DataFrame(columns=[*summary.columns, "family", "setting", "value", "baseline"])
    if runs.empty:
        return empty
    configs = {r.run: run_config(r.dir) for r in runs.itertuples()}
    table1 = runs[runs.table1.astype(bool)]  # the default data's run wins where another corpus has one too
    table1 = table1.assign(default=table1["data"].fillna("") == "").sort_values("default", kind="stable")
    base = {(r.train_langs, r.seed): configs[r.run] for r in table1.itertuples()}
    rows = []
    for family in families:
        for r in runs.itertuples():  # a setting may change the training languages (the language-pairs family)
            references = [base[c, r.seed] for c in family.conditions if (c, r.seed) in base]
            found = (experiments.setting_of(family, configs[r.run], ref) for ref in references)
            setting = next((s for s in found if s is not None), None)
            if setting is not None:
                rows.append({**r._asdict(), "family": family.name, "setting": setting.label, "value": setting.value,
                             "baseline": setting.baseline})  # fmt: skip
    return pd.DataFrame(rows).drop(columns="Index", errors="ignore") if rows else empty


def own_runs(members: pd.DataFrame, family: Family) -> pd.DataFrame:
    """The family's own runs (its settings other than the Table 1 recipe), one row each."""
    if members.empty:
        return members
    return members[(members.family == family.name) & ~members.baseline.astype(bool)].drop_duplicates("run")


def _order(family: Family) -> list[str]:
    return [s.label for s in family.settings]


def in_scope(trials: pd.DataFrame, family: Family) -> pd.DataFrame:
    """The trials that count for `family` (`Family.scope`): all of them when it has none."""
    if family.scope is None or trials.empty:
        return trials
    groups = trials.test.map(concepts.TEST_GROUPS)
    word_ok = [c in family.scope[g[0]] for c, g in zip(trials.concept, groups)]
    picture_ok = [c in family.scope[g[1]] for c, g in zip(trials.distractor_concept, groups)]
    return trials[np.asarray(word_ok) & np.asarray(picture_ok)]


def long_accuracies(members: pd.DataFrame, family: Family | None = None, trials: pd.DataFrame | None = None):
    """Per run, tested language and test: the reported epoch's accuracy (from `done.json`; from the run's
    scored trials in the family's scope when it has one)."""
    if family is not None and family.scope is not None and trials is not None:
        return _scoped_accuracies(members[members.family == family.name], family, trials)
    rows = []
    for r in members.itertuples():
        for col in members.columns:
            test, _, lang = col.partition("_")
            if test in TESTS and lang and np.isfinite(getattr(r, col, np.nan)):
                rows.append({"family": r.family, "setting": r.setting, "value": r.value, "baseline": r.baseline,
                             "train_langs": r.train_langs, "seed": r.seed, "run": r.run, "lang": lang, "test": test,
                             "accuracy": float(getattr(r, col))})  # fmt: skip
    return pd.DataFrame(rows)


def _scoped_accuracies(mine: pd.DataFrame, family: Family, trials: pd.DataFrame) -> pd.DataFrame:
    labels = ["family", "setting", "value", "baseline", "train_langs", "seed", "run"]
    mine = mine.drop_duplicates("run")
    part = in_scope(trials[trials.run.isin(mine.run) & trials.test.isin(TESTS)], family)
    if part.empty:
        return pd.DataFrame()
    acc = part.groupby(["run", "lang", "test"]).correct.mean().rename("accuracy").reset_index()
    return mine[labels].merge(acc, on="run")[[*labels, "lang", "test", "accuracy"]]


def accuracy_table(members: pd.DataFrame, family: Family, trials: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean accuracy per setting, training condition, tested language and test, with a t interval over seeds
    (clipped to [0, 1]); in the family's trial scope when it has one and `trials` are given."""
    long = long_accuracies(members[members.family == family.name], family, trials)
    if long.empty:
        return long
    table = geometry.across_seeds(long, "accuracy", ["setting", "train_langs", "lang", "test"])
    table[["low", "high"]] = table[["low", "high"]].clip(0, 1)  # a t interval over few seeds can pass 0 or 100 %
    table["order"] = table.setting.map({s: i for i, s in enumerate(_order(family))})
    value = {s.label: s.value for s in family.settings}
    return table.assign(value=table.setting.map(value)).sort_values(["test", "train_langs", "lang", "order"])


def contrasts(members: pd.DataFrame, trials: pd.DataFrame, family: Family, test: str = "nf") -> pd.DataFrame:
    """Each setting against the family's Table 1 setting, per training condition and tested language: the log
    odds ratio by GEE (runs as clusters, bias-reduced errors, t reference), Holm-adjusted over the family."""
    mine = members[members.family == family.name]
    baseline = next(s.label for s in family.settings if s.baseline)
    if mine.empty:
        return pd.DataFrame()
    rows = []
    for (langs, lang), part in _cells(mine, trials, test):
        for setting in _order(family):
            if setting == baseline or setting not in set(part.condition_label):
                continue
            if (
                part[part.condition_label == baseline].run.nunique() < 2
                or part[part.condition_label == setting].run.nunique() < 2
            ):
                continue
            row = stats.gee_contrast(part, setting, baseline)
            rows.append({"train_langs": langs, "lang": lang, "test": test, **row,
                         "runs": int(part[part.condition_label.isin([setting, baseline])].run.nunique())})  # fmt: skip
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = stats.holm(table.p_approx)
    return table


def exposure_slopes(members: pd.DataFrame, trials: pd.DataFrame, family: Family, test: str = "nf") -> pd.DataFrame:
    """The balance family's dose-response: per tested language, the log odds of a correct trial per 10 points
    more of the model's training in that language (its share: the setting's share of the first training
    language, or the rest for the second), over every setting, Table 1's included (GEE over runs, Holm over
    the languages)."""
    mine = members[members.family == family.name]
    share = mine.drop_duplicates("run").set_index("run").value  # the first training language's share, per run
    rows = []
    for (langs, lang), part in _cells(mine, trials, test) if not mine.empty else ():
        first = langs.split("+")[0]
        part = part.assign(share=part.run.map(share if lang == first else 1 - share) * 10)
        if part.run.nunique() < 3 or part.share.nunique() < 2:
            continue
        rows.append({"train_langs": langs, "lang": lang, "test": test, **stats.gee_slope(part, "share"),
                     "runs": int(part.run.nunique()), "settings": int(part.share.nunique())})  # fmt: skip
    table = pd.DataFrame(rows)
    if len(table):
        table["p_holm"] = stats.holm(table.p_approx)
    return table


def learned_me(
    members: pd.DataFrame,
    trials: pd.DataFrame,
    untrained: pd.DataFrame,
    family: Family,
    test: str = "nf",
    estimator: str = "glmm",
    fitted: dict | None = None,
) -> pd.DataFrame:
    """Learned ME per setting and tested language: each run's trained model against its own untrained start on
    the same trials (the paired contrast of `study.training_effect`; `estimator` "glmm" = `glmm.paired_contrast`,
    "laplace" the fast approximation), in the family's trial scope, Holm over the family's cells. The outcome of
    the miniature's ingredient families (`experiments.INGREDIENTS`). Empty without runs of the family's own.
    `fitted`: a dict shared between calls on the same trials, so that the same runs are fitted once (every
    ingredient family's default setting is the same Table 1 runs)."""
    from vgslib.results import study

    mine = members[members.family == family.name].drop_duplicates("run")
    if own_runs(members, family).empty or untrained.empty:
        return pd.DataFrame()
    setting = mine.set_index("run").setting
    after, before = (in_scope(t[t.run.isin(setting.index) & (t.test == test)], family).assign(run_id=lambda d: d.run)
                     for t in (trials, untrained))  # fmt: skip
    rows, cache = [], fitted if fitted is not None else {}
    for label in _order(family):
        runs = setting.index[setting == label]
        for lang in sorted(set(after[after.run.isin(runs)].lang)):
            trained, start = (t[t.run.isin(runs) & (t.lang == lang)] for t in (after, before))
            key = (estimator, test, lang, tuple(sorted(runs)), repr(family.scope))
            if key not in cache:
                cache[key] = study.paired_effect(trained, start, estimator)
            row = cache[key]
            if row is not None:
                rows.append({"setting": label, "lang": lang, "test": test, **row})
    table = pd.DataFrame(rows)
    if len(table):
        table["p_holm"] = stats.holm(table.p_approx)
    return table


def _cells(mine: pd.DataFrame, trials: pd.DataFrame, test: str):
    """(training condition, tested language) -> the trials of the family's runs, labelled by setting."""
    label = mine.drop_duplicates("run").set_index("run").setting
    family = experiments.FAMILY[mine.family.iloc[0]]
    t = in_scope(trials[trials.run.isin(label.index) & (trials.test == test)], family)
    t = t.assign(condition_label=t.run.map(label), run_id=t.run)
    return t.groupby(["train_langs", "lang"])


def injected_words(members: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """The injected family's check that injection worked: per setting, NF accuracy on the trials of the novel
    words some setting injects, split by whether this setting trained them, with a t interval over seeds."""
    family = experiments.FAMILY["injected"]
    mine = members[members.family == family.name].drop_duplicates("run")
    part = trials[trials.run.isin(mine.run) & (trials.test == "nf") & trials.concept.isin(experiments.INJECTED)]
    if part.empty:
        return pd.DataFrame()
    trained = {s.label: set(s.changes.get("train.familiar", ())) for s in family.settings}
    setting = mine.set_index("run").setting
    part = part.assign(setting=part.run.map(setting))
    part = part.assign(words=[("trained in this setting" if c in trained[s] else "held out (novel)")
                              for c, s in zip(part.concept, part.setting)])  # fmt: skip
    per_run = part.groupby(["setting", "words", "run", "lang"]).correct.mean().rename("accuracy").reset_index()
    table = geometry.across_seeds(per_run, "accuracy", ["setting", "words", "lang"])
    table[["low", "high"]] = table[["low", "high"]].clip(0, 1)
    order = {s.label: i for i, s in enumerate(family.settings)}
    return table.assign(order=table.setting.map(order)).sort_values(["lang", "order", "words"]).drop(columns="order")


# ----------------------------------------------------------------------------- the language-pairs family


def language_runs(summary: pd.DataFrame, members: pd.DataFrame, preset: str) -> pd.DataFrame:
    """Every run the language comparison reads, labelled by its training languages ("EN", "EN+FR", "DE",
    "EN+FR+NL"): the Table 1 runs of `preset` on the default data and the language-pairs family's own runs."""
    table1 = summary[summary.table1.astype(bool) & (summary["data"].fillna("") == "") & (summary.preset == preset)]
    family = own_runs(members, experiments.FAMILY["languages"])
    runs = pd.concat([table1.assign(origin="Table 1"), family.assign(origin="this experiment")], ignore_index=True)
    return runs.drop_duplicates("run").assign(label=lambda t: t.train_langs.str.upper())


def bilingual_effects(runs: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """Each multilingual model against the monolingual model of each language it is tested on: NF of both, and
    the log odds ratio by GEE (runs as clusters); Holm over every row."""
    nf = trials[(trials.test == "nf") & trials.run.isin(runs.run)]
    label = runs.set_index("run").label
    nf = nf.assign(condition_label=nf.run.map(label), run_id=nf.run)
    rows = []
    for multi in sorted(set(runs.label[runs.label.str.contains("+", regex=False)])):
        for lang in multi.lower().split("+"):
            mono = lang.upper()
            part = nf[(nf.lang == lang) & nf.condition_label.isin([multi, mono])]
            counts = part.groupby("condition_label").run.nunique()
            if counts.get(multi, 0) < 2 or counts.get(mono, 0) < 2:
                continue
            per_run = part.groupby(["condition_label", "run"]).correct.mean().groupby(level=0).mean()
            row = stats.gee_contrast(part, multi, mono)
            rows.append({"model": multi, "tested on": mono, "NF multilingual": per_run[multi],
                         "NF monolingual": per_run[mono], **row,
                         "runs": int(counts[multi] + counts[mono])})  # fmt: skip
    table = pd.DataFrame(rows)
    if len(table):
        table["p_holm"] = stats.holm(table.p_approx)
    return table


def translation_similarity(data, a: str, b: str, split: str = "train", per_concept: int = 50) -> float:
    """How alike two languages' words are in the frozen audio features: over the 13 familiar concepts, the mean
    cosine between a concept's word in `a` and its translation in `b`, less the mean cosine between words of
    different concepts (each word: the mean of up to `per_concept` tokens, each mean-pooled over time). 0 = no
    more alike than unrelated words."""
    centroids = []
    for lang in (a, b):
        f, labels = data.audio[(split, lang)], data.labels("audio", split, lang).to_numpy()
        rows = []
        for concept in concepts.FAMILIAR_NAMES:
            items = np.flatnonzero(labels == concept)[:per_concept]
            pooled = np.stack([f.item(i).mean(0) for i in items])
            pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
            rows.append(pooled.mean(0))
        c = np.stack(rows)
        centroids.append(c / np.linalg.norm(c, axis=1, keepdims=True))
    cos = centroids[0] @ centroids[1].T  # (13, 13)
    same = np.diag(cos).mean()
    different = (cos.sum() - np.trace(cos)) / (cos.size - len(cos))
    return float(same - different)


def pair_table(effects: pd.DataFrame, similarity: dict[str, float]) -> pd.DataFrame:
    """Per bilingual pair: the mean NF difference (multilingual − monolingual, over its two tested languages)
    and the pair's word similarity."""
    pairs = effects[effects.model.str.count(r"\+") == 1] if len(effects) else effects
    if pairs.empty:
        return pd.DataFrame()
    diff = (pairs["NF multilingual"] - pairs["NF monolingual"]).groupby(pairs.model).mean()
    return pd.DataFrame({"pair": diff.index, "NF difference": diff.to_numpy(),
                         "word similarity": [similarity.get(p) for p in diff.index]}).dropna()  # fmt: skip


def geometry_table(members: pd.DataFrame, family: Family, manifest) -> pd.DataFrame:
    """The mechanism analysis's quantities (`mechanism.run_quantities`) per run of the family, with its setting;
    empty for a family without runs of its own (its Table 1 runs alone compare no settings) or without geometry."""
    mine = members[members.family == family.name].drop_duplicates("run")
    if own_runs(members, family).empty or family.no_geometry:
        return pd.DataFrame()
    table = mechanism.per_run_table(mine, manifest)
    return table.merge(mine[["run", "setting", "value"]], on="run")


def compute(members: pd.DataFrame, family: Family) -> dict:
    """What the family's own runs (its baselines are Table 1 runs, not counted) cost: runs and training
    core-minutes (one thread per run), and the wall-clock minutes on two cores."""
    mine = own_runs(members, family)
    seconds = sum(tables.training_seconds(d) for d in mine.dir)
    return {"runs": len(mine), "core_minutes": seconds / 60, "two_core_minutes": seconds / 120}


def expected_runs(family: Family, seeds=experiments.SEEDS) -> int:
    """The family's own runs (beyond its Table 1 baselines) once all are trained."""
    return len(family.conditions) * (len(family.settings) - 1) * len(seeds)


def family_tables(summary: pd.DataFrame, trials: pd.DataFrame, preset: str) -> dict[str, pd.DataFrame]:
    """For the analysis notebook: every family's accuracies per setting and its NF and FF contrasts against the
    Table 1 recipe, for the families with runs of their own (empty tables otherwise), and each multilingual
    model against its monolingual ones (the language-pairs family)."""
    members = assign(summary, preset)
    accuracy, contrast = [], []
    for family in experiments.FAMILIES:
        if own_runs(members, family).empty:
            continue
        accuracy.append(accuracy_table(members, family, trials).assign(family=family.name))
        contrast += [contrasts(members, trials, family, test).assign(family=family.name) for test in ("nf", "ff")]
    cat = lambda parts: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()  # noqa: E731
    languages = pd.DataFrame()
    if not own_runs(members, experiments.FAMILY["languages"]).empty:
        languages = bilingual_effects(language_runs(summary, members, preset), trials)
    return {"beyond_accuracy": cat(accuracy), "beyond_contrasts": cat(contrast), "beyond_languages": languages}
