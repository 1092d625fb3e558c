"""Why is ME weaker in the miniature than in the paper? The ingredient families (`experiments.INGREDIENTS`) and
the per-language look at the words, read from the runs.

The outcome of an ingredient family is *learned ME*: each run's trained model against its own untrained start on
the same trials. Three views of it:

- `beyond.learned_me`: per setting and tested language, the paired GLMM's log odds ratio trained vs untrained
  (Holm over the family's cells), the study's strict test of whether training produced the preference;
- `learned_points` / `learned_difference`: per run, learned ME in percentage points (trained NF minus untrained
  NF on the same trials); per setting, its mean over seeds and the difference from the default setting, paired by
  seed (the setting's run and the Table 1 run of one seed start from the same seeded initialisation), with a t
  interval over seeds and Holm over the family's settings and languages;
- `adoption`: the rule fixed before the runs (`experiments.ADOPTION`) applied to validation loss only.

`rerendered` counts how many of a language's recordings a setting's world renders anew (`miniature.BATCH`).

`language_profile` and `word_table` are the per-language and per-word look at why Dutch learns no ME: how alike
its novel and familiar words are in the frozen audio features, how long its words are, how many accents eSpeak NG
gives it, beside each language's trained and untrained NF.
"""

from __future__ import annotations

import filecmp
import os

import numpy as np
import pandas as pd

from vgslib import experiments
from vgslib.encoders.prepare import DataConfig, default_world_dir
from vgslib.experiments import Family
from vgslib.results import beyond, geometry, stats
from vgslib.sources import concepts, manifest

LANGS = concepts.LANGUAGES  # the study's languages, whose Table 1 monolingual runs the profile reads
TABLES = ("ingredients_learned", "ingredients_points")  # what `family_tables` gives the analysis notebook to store


def learned_points(members: pd.DataFrame, trials: pd.DataFrame, untrained: pd.DataFrame, family: Family,
                   test: str = "nf") -> pd.DataFrame:  # fmt: skip
    """Per run of the family (its Table 1 baselines included) and tested language: accuracy of the trained model
    and of the same run untrained on the same trials (the family's scope), and learned = their difference, in
    percentage points. Runs without their untrained trials are left out."""
    mine = members[members.family == family.name].drop_duplicates("run") if len(members) else members
    if mine.empty or untrained.empty:
        return pd.DataFrame()
    info = mine.set_index("run")[["setting", "value", "baseline", "seed"]]
    after, before = (beyond.in_scope(t[t.run.isin(info.index) & (t.test == test)], family) for t in (trials, untrained))
    keys = ["run", "lang"]
    acc = after.groupby(keys).correct.mean().rename("trained").to_frame()
    acc = acc.join(before.groupby(keys).correct.mean().rename("untrained"), how="inner").reset_index()
    acc[["trained", "untrained"]] *= 100
    acc["learned"] = acc.trained - acc.untrained
    return acc.join(info, on="run").assign(test=test)


def learned_summary(points: pd.DataFrame, family: Family) -> pd.DataFrame:
    """Per setting and tested language: trained, untrained and learned ME (points), mean over seeds with a t
    interval for learned, in the family's order of settings."""
    if points.empty:
        return pd.DataFrame()
    means = points.groupby(["setting", "lang"])[["trained", "untrained"]].mean()
    table = geometry.across_seeds(points, "learned", ["setting", "lang"]).join(means, on=["setting", "lang"])
    order = {s.label: i for i, s in enumerate(family.settings)}
    value = {s.label: s.value for s in family.settings}
    table = table.assign(order=table.setting.map(order), value=table.setting.map(value))
    return table.sort_values(["lang", "order"]).drop(columns="order").reset_index(drop=True)


def learned_difference(points: pd.DataFrame, family: Family) -> pd.DataFrame:
    """Each setting's learned ME against the default setting's, per tested language, paired by seed: the mean
    difference (points) with a t interval over the seeds both hold, the paired t test's p, Holm over the
    family's rows. Also the difference in trained NF alone (whether the untrained start moved too)."""
    from scipy import stats as sps

    if points.empty:
        return pd.DataFrame()
    default = next(s.label for s in family.settings if s.baseline)
    base = points[points.setting == default].set_index(["lang", "seed"])
    rows = []
    for setting in (s.label for s in family.settings if not s.baseline):
        mine = points[points.setting == setting].set_index(["lang", "seed"])
        both = mine[["learned", "trained", "untrained"]].join(base[["learned", "trained", "untrained"]],
                                                              rsuffix="_default", how="inner")  # fmt: skip
        for lang, part in both.groupby(level="lang"):
            d = part.learned - part.learned_default
            n = len(d)
            if n < 2:
                continue
            test = sps.ttest_1samp(d, 0.0)
            low, high = test.confidence_interval(0.95) if np.isfinite(test.statistic) else (np.nan, np.nan)
            rows.append({"setting": setting, "lang": lang, "seeds": n, "difference": float(d.mean()),
                         "low": float(low), "high": float(high), "p": float(test.pvalue),
                         "trained_difference": float((part.trained - part.trained_default).mean()),
                         "untrained_difference": float((part.untrained - part.untrained_default).mean())})  # fmt: skip
    table = pd.DataFrame(rows)
    if len(table):
        table["p_holm"] = stats.holm(table.p)
    return table


def adoption(members: pd.DataFrame, family: Family) -> dict | None:
    """The pre-declared rule for the default world (`experiments.ADOPTION`) applied to `family`: per language of
    its conditions, the seeds whose run of the candidate setting reached a lower validation loss (its reported
    epoch's) than the Table 1 run of the same seed, and whether the rule adopts it. None for a family the rule
    never adopts from; `decided` is False until every seed of both is trained."""
    if family.name not in experiments.ADOPTION:
        return None
    candidate, needed = experiments.ADOPTION[family.name]
    default = next(s.label for s in family.settings if s.baseline)
    mine = members[members.family == family.name].drop_duplicates("run") if len(members) else members
    per_lang, decided = {}, True
    for lang in family.conditions:
        part = mine[mine.train_langs == lang] if len(mine) else mine
        loss = {label: part[part.setting == label].set_index("seed")["best_val_loss"] for label in (default, candidate)}
        seeds = sorted(set(loss[default].index) & set(loss[candidate].index))
        decided &= len(seeds) == len(experiments.SEEDS)
        per_lang[lang] = {"seeds": len(seeds), "lower": int(sum(loss[candidate][s] < loss[default][s] for s in seeds))}
    adopt = decided and all(v["lower"] >= needed for v in per_lang.values())
    return {"family": family.name, "candidate": candidate, "needed": needed, "per_language": per_lang,
            "decided": decided, "adopt": adopt}  # fmt: skip


def family_tables(summary: pd.DataFrame, trials: pd.DataFrame, untrained: pd.DataFrame, preset: str,
                  estimator: str = "glmm") -> dict[str, pd.DataFrame]:  # fmt: skip
    """For the analysis notebook: every ingredient family's learned ME per setting by the paired GLMM
    (`beyond.learned_me`, the slow part: one fit per setting and language) and its per-run learned points;
    empty tables for families without runs of their own."""
    members = beyond.assign(summary, preset, experiments.INGREDIENTS)
    glmm, points, fitted = [], [], {}  # every family's default setting is the same Table 1 runs: fitted once
    for family in experiments.INGREDIENTS:
        if beyond.own_runs(members, family).empty:
            continue
        table = beyond.learned_me(members, trials, untrained, family, "nf", estimator, fitted)
        glmm.append(table.assign(family=family.name))
        points.append(learned_points(members, trials, untrained, family).assign(family=family.name))
    cat = lambda parts: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()  # noqa: E731
    return {"ingredients_learned": cat(glmm), "ingredients_points": cat(points)}


def setting_world(members: pd.DataFrame, family: str, value) -> str | None:
    """The miniature world folder the runs of `family`'s setting `value` trained on (from one run's recorded data
    config); None when this build holds none of its runs."""
    rows = members[(members.family == family) & (members.value == value)] if len(members) else members
    if rows.empty:
        return None
    return default_world_dir(DataConfig.from_dict(beyond.run_config(rows.dir.iloc[0])["data"]))


def rerendered(default_world: str, world: str, lang: str, split: str = "train") -> dict | None:
    """Of `lang`'s `split` recordings that two miniature worlds both hold (the same item: word, speaker, token),
    how many differ in their samples: eSpeak NG renders a word anew when the words before it in its synthesis
    batch differ (`miniature.BATCH`). None when either world is not built here."""
    try:
        a, b = manifest.load(default_world), manifest.load(world)
    except FileNotFoundError:
        return None
    pick = lambda m: m.audio[(m.audio.lang == lang) & (m.audio.split == split)].set_index("id").path  # noqa: E731
    paths_a, paths_b = pick(a), pick(b)
    common = paths_a.index.intersection(paths_b.index)
    differ = sum(not filecmp.cmp(os.path.join(default_world, paths_a[i]), os.path.join(world, paths_b[i]),
                                 shallow=False) for i in common)  # fmt: skip
    return {"compared": len(common), "differ": int(differ), "share": differ / len(common) if len(common) else np.nan}


# ----------------------------------------------------------------------------- the languages, word by word


def _table1_mono(trials: pd.DataFrame) -> pd.DataFrame:
    """The Table 1 monolingual runs' trials tested in their own language."""
    t = trials[trials.table1.astype(bool)] if len(trials) else trials
    return t[t.train_langs == t.lang] if len(t) else t


def word_table(prepared, trials: pd.DataFrame, untrained: pd.DataFrame) -> pd.DataFrame:
    """Per novel word of each language the Table 1 monolingual runs test: its NF accuracy after and before
    training (mean over runs and trials, points) and learned ME, beside how alike it is to its language's
    familiar words in the frozen audio features (`mechanism.novel_word_similarity`) and its spoken length
    (mean duration of its test tokens, seconds)."""
    from vgslib.results import mechanism

    after = _table1_mono(trials)
    after = after[after.test == "nf"]
    if after.empty:
        return pd.DataFrame()
    before = untrained[untrained.run.isin(after.run) & (untrained.test == "nf")] if len(untrained) else untrained
    keys = ["lang", "concept"]
    table = after.groupby(keys).correct.mean().mul(100).rename("trained").to_frame()
    if len(before):
        table = table.join(before.groupby(keys).correct.mean().mul(100).rename("untrained"))
        table["learned"] = table.trained - table.untrained
    table = table.reset_index()
    langs = sorted(table.lang.unique())
    similar = pd.concat([mechanism.novel_word_similarity(prepared, lang) for lang in langs], ignore_index=True)
    audio = prepared.manifest.audio
    audio = audio[audio.split == "test"]
    length = (audio.end - audio.start).groupby([audio.lang, audio.concept]).mean().rename("seconds")
    return table.merge(similar, on=keys).join(length, on=keys)


def frozen_spaces(prepared, lang: str) -> dict:
    """How the frozen audio features lay out one language's test words: the mean cosine between the familiar
    words' centroids (how crowded the familiar words are), the mean cosine of a token to its own word's centroid
    (how alike a word's tokens are across voices), and the share of test tokens whose nearest familiar centroid
    is their own word's (a nearest-centroid probe on the familiar words, leave-none-out)."""
    pooled = prepared.audio[("test", lang)].mean_pooled()
    pooled = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    labels = prepared.labels("audio", "test", lang).to_numpy()
    familiar = [c for c in concepts.FAMILIAR_NAMES if (labels == c).any()]
    means = geometry.class_means(pooled, labels, familiar)
    means = means / np.linalg.norm(means, axis=1, keepdims=True)
    between = means @ means.T
    off = between[~np.eye(len(familiar), dtype=bool)]
    mask = np.isin(labels, familiar)
    own = np.array([familiar.index(c) for c in labels[mask]])
    sims = pooled[mask] @ means.T
    return {
        "familiar_between": float(off.mean()),
        "token_to_own": float(sims[np.arange(len(own)), own].mean()),
        "nearest_centroid": float((sims.argmax(axis=1) == own).mean()),
    }


def language_profile(words: pd.DataFrame, prepared, trials: pd.DataFrame) -> pd.DataFrame:
    """Per language: the Table 1 monolingual models' NF after and before training and learned ME, their FF, the
    novel words' mean similarity to their nearest familiar word and mean length, the familiar words' length,
    the frozen space's layout (`frozen_spaces`), and the accents eSpeak NG gives the language."""
    from vgslib.sources import speech

    mono = _table1_mono(trials)
    if words.empty or mono.empty:
        return pd.DataFrame()
    ff = mono[mono.test == "ff"].groupby("lang").correct.mean().mul(100)
    fam = prepared.manifest.audio
    fam = fam[(fam.split == "test") & fam.concept.isin(concepts.FAMILIAR_NAMES)]
    fam_len = (fam.end - fam.start).groupby(fam.lang).mean()
    rows = []
    for lang, w in words.groupby("lang"):
        rows.append({
            "lang": lang, "nf trained": w.trained.mean(), "nf untrained": w.get("untrained", pd.Series(np.nan)).mean(),
            "learned": w.get("learned", pd.Series(np.nan)).mean(), "ff trained": ff.get(lang, np.nan),
            "novel similarity": w.similarity.mean(), "novel seconds": w.seconds.mean(),
            "familiar seconds": fam_len.get(lang, np.nan), **frozen_spaces(prepared, lang),
            "accents": len(speech.LANGUAGE_VOICES.get(lang, (lang,))),
        })  # fmt: skip
    return pd.DataFrame(rows)


def similarity_and_learning(words: pd.DataFrame) -> pd.DataFrame:
    """Does a novel word's similarity to the familiar words predict how much ME training gives it? Per language,
    Spearman's rank correlation over its novel words between similarity and learned ME (and trained NF), with
    its p; and pooled, the OLS slope of learned ME on standardised similarity with a fixed effect per language."""
    import statsmodels.formula.api as smf
    from scipy import stats as sps

    if words.empty or "learned" not in words:
        return pd.DataFrame()
    rows = []
    for lang, w in words.groupby("lang"):
        if len(w) < 3 or w.similarity.nunique() < 2:
            continue
        for outcome in ("learned", "trained"):
            rho, p = sps.spearmanr(w.similarity, w[outcome])
            rows.append({"lang": lang, "outcome": outcome, "words": len(w), "rho": float(rho), "p": float(p)})
    if len(words) < words.lang.nunique() + 3:  # too few words for a slope beside a level per language
        return pd.DataFrame(rows)
    d = words.assign(z=(words.similarity - words.similarity.mean()) / words.similarity.std())
    fit = smf.ols("learned ~ C(lang) + z", d).fit()
    low, high = fit.conf_int().loc["z"]
    rows.append({"lang": "pooled", "outcome": "learned per SD of similarity", "words": len(d),
                 "slope": float(fit.params["z"]), "low": float(low), "high": float(high),
                 "p": float(fit.pvalues["z"])})  # fmt: skip
    return pd.DataFrame(rows)
