"""Why ME arises, run by run (protocol §8–§9; the paper's open question 2): for every run and test language,
the geometric quantities the paper's explanation names, beside the run's ME (NF) accuracy, and a mixed model
of NF accuracy on each quantity with runs nested in conditions.

The paper's account: novel items fall *between* the familiar clusters, so a novel word is closer to a novel
picture than to any familiar one; bilingual training packs familiar image embeddings more tightly, which (it
argues) leaves novel pictures less room to stand apart. Each clause becomes a number per run here:

- variance (pooled, within class) of familiar and novel pictures, and of the test language's spoken words;
- the modality gap (distance between the audio and image centroids);
- the distances the ME test turns on: a novel word to familiar pictures (NwF) and to novel pictures (NwN),
  and their difference, the *ME margin*; NN / NN′ (own vs other novel pictures): referent vs novelty;
- *in-between*: how much closer novel items sit to two familiar clusters at once than familiar items do
  (`in_between`), against a null from shuffled novel/familiar labels.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vgslib.results import geometry
from vgslib.runs import UNTRAINED_EMBEDDINGS
from vgslib.sources import concepts

FAMILIAR = list(concepts.FAMILIAR_NAMES)
NOVEL = list(concepts.TESTED_NOVEL_NAMES)


# name -> what it measures (the chapter's table of quantities prints these)
@dataclass(frozen=True)
class Quantity:
    """One mechanism quantity: its short label (tables, charts), its definition, and, for those the chapters
    explain, its meaning in plain words. `descriptive`: it shares a term with the ME test itself (a novel word's
    distance to pictures; NF is, trial by trial, the sign of such a difference, and the ME margin is NF made
    continuous), so it describes ME and cannot explain it: shown, never tested as a predictor of NF."""

    name: str
    label: str
    definition: str
    plain: str = ""
    descriptive: bool = False


QUANTITY = {q.name: q for q in (
    Quantity("var_img_fam", "familiar pictures: variance",
             "pooled variance of familiar pictures (lower: packed more tightly)",
             plain="how spread out the familiar pictures are"),
    Quantity("var_img_fam_within", "familiar pictures: within-class variance",
             "within-class variance of familiar pictures"),
    Quantity("var_img_nov", "novel pictures: variance", "pooled variance of novel pictures"),
    Quantity("var_audio_fam", "familiar words: variance", "pooled variance of the language's familiar words",
             plain="how spread out the familiar spoken words are"),
    Quantity("var_audio_nov", "novel words: variance", "pooled variance of the language's novel words"),
    Quantity("gap", "modality gap", "modality gap: distance between the audio and image centroids"),
    Quantity("d_nw_f", "novel word → familiar pictures", "novel word → familiar pictures (median cosine distance)",
             descriptive=True),
    Quantity("d_nw_n", "novel word → novel pictures", "novel word → novel pictures (median cosine distance)",
             descriptive=True),
    Quantity("me_margin", "ME margin (NwF − NwN)",
             "ME margin: d(novel word, familiar pictures) − d(novel word, novel pictures)",
             plain="how much closer a novel word lies to novel pictures than to familiar ones", descriptive=True),
    Quantity("referent", "referent margin (NN′ − NN)",
             "referent margin: d(NN′) − d(NN), novel word to other vs its own novel pictures",
             plain="how much closer a novel word lies to pictures of its own novel object than to other novel "
                   "pictures", descriptive=True),
    Quantity("between_img", "in-between, pictures",
             "in-between, pictures: novel − familiar nearest-two-means margin (negative: between)"),
    Quantity("between_audio", "in-between, words", "in-between, words: the same for the language's spoken words"),
)}  # fmt: skip
QUANTITIES = {name: q.definition for name, q in QUANTITY.items()}
LABELS = {name: q.label for name, q in QUANTITY.items()}  # short names for tables and charts
DESCRIPTIVE = tuple(name for name, q in QUANTITY.items() if q.descriptive)
PREDICTORS = tuple(name for name, q in QUANTITY.items() if not q.descriptive)  # no term shared with the outcome


def nearest_margins(emb: np.ndarray, means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row: the cosine to its nearest class mean and the margin to the second nearest."""
    sims = np.sort(emb @ means.T, axis=1)
    return sims[:, -1], sims[:, -1] - sims[:, -2]


def in_between(
    emb: np.ndarray, labels: np.ndarray, seed: int = 0, permutations: int = 200, familiar=FAMILIAR
) -> dict[str, float]:
    """Do novel items sit *between* familiar clusters rather than in one?

    Familiar items are split in two halves (fixed seed); the familiar class means come from one half. For every
    novel item and every familiar item of the other half: its margin, the cosine to the nearest familiar class
    mean minus the cosine to the second nearest. An item inside one cluster has a large margin; one between two
    clusters a small one. `between` = mean novel margin − mean held-out familiar margin (negative: novel items
    sit between clusters more than familiar items do). Under the null of no difference (novel and familiar
    items exchangeable, e.g. random embeddings) it is 0: `null_low` and `null_high` are the 2.5 % and 97.5 %
    quantiles of the same difference with the novel/familiar labels shuffled among the evaluated items, and
    `p` the two-sided permutation p-value. `nearest_novel` / `nearest_familiar`: mean cosine to the nearest
    familiar mean (are novel items near the familiar region at all?)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    is_fam = np.isin(labels, familiar)
    classes = [c for c in familiar if (labels == c).sum() >= 2]
    nan = dict.fromkeys(("between", "null_low", "null_high", "p", "nearest_novel", "nearest_familiar"), np.nan)
    if len(classes) < 2 or not (~is_fam).any():
        return nan
    fit, held = [], []
    for c in classes:  # half of each class makes the means, the other half is evaluated with the novel items
        rows = rng.permutation(np.flatnonzero(labels == c))
        fit.extend(rows[: len(rows) // 2])
        held.extend(rows[len(rows) // 2 :])
    means = geometry.class_means(emb[fit], labels[fit], classes)
    evaluated = np.concatenate([np.asarray(held), np.flatnonzero(~is_fam)])
    nearest, margin = nearest_margins(emb[evaluated], means)
    novel = np.arange(len(evaluated)) >= len(held)
    observed = margin[novel].mean() - margin[~novel].mean()
    null = np.empty(permutations)
    for k in range(permutations):
        shuffled = rng.permutation(novel)
        null[k] = margin[shuffled].mean() - margin[~shuffled].mean()
    return {
        "between": float(observed),
        "null_low": float(np.quantile(null, 0.025)),
        "null_high": float(np.quantile(null, 0.975)),
        "p": float((1 + (np.abs(null) >= abs(observed)).sum()) / (1 + permutations)),
        "nearest_novel": float(nearest[novel].mean()),
        "nearest_familiar": float(nearest[~novel].mean()),
    }


def cross_distances(audio_emb, audio_concept, image_emb, image_concept) -> dict[str, float]:
    """Median cosine distances from novel words to familiar pictures, to novel pictures, to their own (NN) and
    to other novel pictures (NN′)."""
    audio_concept, image_concept = np.asarray(audio_concept), np.asarray(image_concept)
    nw = np.isin(audio_concept, NOVEL)
    fam_i, nov_i = np.isin(image_concept, FAMILIAR), np.isin(image_concept, NOVEL)
    if not nw.any() or not fam_i.any() or not nov_i.any():
        return dict.fromkeys(("d_nw_f", "d_nw_n", "d_nn", "d_nnp"), np.nan)
    dist = 1 - audio_emb[nw] @ image_emb.T  # (novel words, pictures)
    same = audio_concept[nw][:, None] == image_concept[None, :]
    return {
        "d_nw_f": float(np.median(dist[:, fam_i])),
        "d_nw_n": float(np.median(dist[:, nov_i])),
        "d_nn": float(np.median(dist[same & nov_i[None, :]])),
        "d_nnp": float(np.median(dist[~same & nov_i[None, :]])),
    }


def run_quantities(r: dict, lang: str, seed: int = 0) -> dict[str, float]:
    """Every quantity of `QUANTITIES` for one run's embeddings (`geometry.run_embeddings`) and test language."""
    images = r["images"].concept.to_numpy()
    keep = np.isin(images, FAMILIAR + NOVEL)
    img, img_lab = r["image_emb"][keep], images[keep]
    sel = (r["audio"].lang == lang).to_numpy()
    audio, audio_lab = r["audio_emb"][sel], r["audio"].concept.to_numpy()[sel]
    fam_i, fam_a = np.isin(img_lab, FAMILIAR), np.isin(audio_lab, FAMILIAR)
    d = cross_distances(audio, audio_lab, img, img_lab)
    between_img, between_audio = in_between(img, img_lab, seed), in_between(audio, audio_lab, seed)
    return {
        "var_img_fam": geometry.total_variance(img[fam_i]),
        "var_img_fam_within": geometry.within_class_variance(img[fam_i], img_lab[fam_i]),
        "var_img_nov": geometry.total_variance(img[~fam_i]),
        "var_audio_fam": geometry.total_variance(audio[fam_a]),
        "var_audio_nov": geometry.total_variance(audio[~fam_a]),
        "gap": geometry.modality_gap(audio, img)["centroid_distance"],
        **d,
        "me_margin": d["d_nw_f"] - d["d_nw_n"],
        "referent": d["d_nnp"] - d["d_nn"],
        "between_img": between_img["between"],
        "between_audio": between_audio["between"],
        "between_img_p": between_img["p"],
        "between_audio_p": between_audio["p"],
    }


def per_run_table(summary: pd.DataFrame, manifest, metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per run and test language: the run's labels, its NF / NN / FF accuracies and every quantity, of
    the reported epoch; given the runs' `metrics`, of the untrained model (epoch 0) instead, for the runs that
    kept its embeddings."""
    rows = []
    if metrics is not None:
        epoch0 = metrics[metrics.epoch == 0].set_index("run")
        summary = summary[summary.run.isin(epoch0.index)]
        summary = summary[[os.path.exists(os.path.join(d, UNTRAINED_EMBEDDINGS)) for d in summary.dir]]
        summary = summary.drop(columns=[c for c in summary if c[:3] in ("nf_", "nn_", "ff_")])
        summary = summary.merge(epoch0.filter(regex="^(nf|nn|ff)_"), left_on="run", right_index=True)
    for run in summary.itertuples():
        r = geometry.run_embeddings(run.dir, manifest, untrained=metrics is not None)
        for lang in sorted(set(r["audio"].lang)):
            row = {
                "run": run.run,
                "condition": run.condition,
                "train_langs": run.train_langs,
                "kind": run.kind,
                "seed": run.seed,
                "lang": lang,
                **{test: getattr(run, f"{test}_{lang}", np.nan) for test in ("nf", "nn", "ff")},
            }
            rows.append({**row, **run_quantities(r, lang)})
    return pd.DataFrame(rows)


def predicts_nf(table: pd.DataFrame, quantities: list[str] | None = None) -> pd.DataFrame:
    """For each quantity: does a run whose quantity lies above its condition's average also show more ME than
    that average? Least squares of a run's NF accuracy (percentage points) on the quantity with a fixed effect
    per condition and test language (a *cell*: runs of one cell differ only in their seed), so the slope comes
    from seed-to-seed differences alone and no condition-level difference (language, kind of model) can make
    it; standard errors clustered by run (a bilingual run has a row per test language), t intervals. The
    quantity is scaled by its pooled within-cell standard deviation: the slope is the NF points one typical
    seed-to-seed difference of the quantity is worth. Rows: slope, 95 % interval, p, the log-likelihood gain
    over the model without the quantity, and the rows and runs used; `p_holm` is Holm-corrected over the
    quantities tested. Only `PREDICTORS` may be tested (a `DESCRIPTIVE` quantity shares a term with NF)."""
    import statsmodels.formula.api as smf
    from scipy import stats

    from vgslib.results.stats import holm

    quantities = _predictors(table, quantities)
    data = table.assign(nf_pct=100 * table.nf, cell=table.condition + "|" + table.lang).dropna(subset=["nf_pct"])
    rows = []
    for q in quantities:
        d = data.dropna(subset=[q])
        within = d[q] - d.groupby("cell")[q].transform("mean")
        dof = len(d) - d.cell.nunique()
        if dof < 3 or not within.abs().max() > 0:
            continue
        d = d.assign(z=within / np.sqrt((within**2).sum() / dof))  # the cell means are absorbed by C(cell)
        clusters = {"groups": pd.factorize(d.run)[0]}
        fit = smf.ols("nf_pct ~ C(cell) + z", d).fit(cov_type="cluster", cov_kwds=clusters, use_t=True)
        null = smf.ols("nf_pct ~ C(cell)", d).fit()
        half = stats.t.ppf(0.975, d.run.nunique() - 1) * fit.bse["z"]
        rows.append(
            {
                "quantity": q,
                "slope": float(fit.params["z"]),
                "low": float(fit.params["z"] - half),
                "high": float(fit.params["z"] + half),
                "p": float(fit.pvalues["z"]),
                "loglik gain": float(fit.llf - null.llf),
                "rows": len(d),
                "runs": int(d.run.nunique()),
            }
        )
    out = pd.DataFrame(rows, columns=["quantity", "slope", "low", "high", "p", "loglik gain", "rows", "runs"])
    return out.assign(p_holm=holm(out.p) if len(out) else [])


def _predictors(table: pd.DataFrame, quantities: list[str] | None) -> list[str]:
    """The quantities to test (default: every `PREDICTORS` one the table holds); a descriptive one is refused."""
    circular = sorted(set(quantities or ()) & set(DESCRIPTIVE))
    if circular:
        raise ValueError(f"{circular} share a term with the NF outcome (a novel word's distance to pictures): "
                         f"they describe ME and cannot predict it; test one of {list(PREDICTORS)}")  # fmt: skip
    return list(quantities or [q for q in PREDICTORS if q in table])


def between_conditions(
    table: pd.DataFrame, quantities: list[str] | None = None, permutations: int = 2000, seed: int = 0
) -> pd.DataFrame:
    """The paper's mechanism between conditions: do the conditions (bilingual and monolingual models, and the
    controls' settings: links, 2x, sizes) whose runs have more of a quantity show more ME? Each (condition, test
    language) cell is reduced to its mean over runs; NF (points) is regressed on the quantity's cell mean with a
    fixed effect per test language (the languages differ by their voices, which no mechanism should claim).
    The quantity is scaled by its between-cell standard deviation within languages, so the slope is the NF points
    one typical difference between conditions is worth. The interval is a t interval with errors clustered by
    condition (a bilingual condition's two cells share runs; conditions - 1 degrees of freedom); `p` is a
    permutation test that shuffles the quantity's cell means among the cells of one test language (those cells
    hold different runs, so under no relation they are exchangeable), `p_holm` Holm over the quantities. Only
    `PREDICTORS` are tested: none shares a term with NF."""
    import statsmodels.formula.api as smf
    from scipy import stats

    from vgslib.results.stats import holm

    quantities = _predictors(table, quantities)
    data = table.assign(nf_pct=100 * table.nf).dropna(subset=["nf_pct"])
    cells = data.groupby(["condition", "lang"])[["nf_pct", *quantities]].mean().reset_index()
    rng = np.random.default_rng(seed)
    rows = []
    for q in quantities:
        d = cells.dropna(subset=[q])
        centred = d[q] - d.groupby("lang")[q].transform("mean")
        n_cond = d.condition.nunique()
        dof = len(d) - d.lang.nunique()
        if n_cond < 3 or dof < 3 or not centred.abs().max() > 0:
            continue
        d = d.assign(z=centred / np.sqrt((centred**2).sum() / dof))
        fit = smf.ols("nf_pct ~ C(lang) + z", d).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(d.condition)[0]}, use_t=True
        )
        half = stats.t.ppf(0.975, n_cond - 1) * fit.bse["z"]
        y = d.nf_pct - d.groupby("lang").nf_pct.transform("mean")  # the language effects removed, as in the fit
        slope = float(np.dot(d.z, y) / np.dot(d.z, d.z))
        groups = [np.flatnonzero((d.lang == lang).to_numpy()) for lang in d.lang.unique()]
        z = d.z.to_numpy()
        null = np.empty(permutations)
        for k in range(permutations):
            shuffled = z.copy()
            for g in groups:
                shuffled[g] = z[rng.permutation(g)]
            null[k] = np.dot(shuffled, y) / np.dot(shuffled, shuffled)
        p = (1 + np.sum(np.abs(null) >= abs(slope) - 1e-12)) / (1 + permutations)
        rows.append({"quantity": q, "slope": float(fit.params["z"]), "low": float(fit.params["z"] - half),
                     "high": float(fit.params["z"] + half), "p": float(p), "cells": len(d),
                     "conditions": n_cond})  # fmt: skip
    out = pd.DataFrame(rows, columns=["quantity", "slope", "low", "high", "p", "cells", "conditions"])
    return out.assign(p_holm=holm(out.p) if len(out) else [])


# ----------------------------------------------------------------------------- at equal training steps


def nf_by_steps(metrics: pd.DataFrame) -> pd.DataFrame:
    """NF accuracy of every run after each epoch against the training steps taken so far (epoch 0: none): a
    bilingual epoch has twice the steps of a monolingual one, as every token of both languages is an anchor."""
    m = metrics.sort_values(["run", "epoch"])
    steps = m.steps.fillna(0).groupby(m.run).cumsum().astype(int)
    nf = m.filter(regex="^nf_").columns
    long = m.assign(steps=steps).melt(
        id_vars=["run", "condition", "train_langs", "kind", "seed", "epoch", "steps"],
        value_vars=list(nf),
        var_name="lang",
        value_name="nf",
    )
    return long.dropna(subset=["nf"]).assign(lang=lambda t: t.lang.str[3:]).reset_index(drop=True)


def welch(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """Mean difference a − b, its Welch t interval and two-sided p (runs as the units)."""
    from scipy import stats

    diff = a.mean() - b.mean()
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    if not se > 0:
        return diff, np.nan, np.nan, np.nan
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * se
    return diff, diff - half, diff + half, float(2 * stats.t.sf(abs(diff / se), df))


def step_matched(curves: pd.DataFrame) -> pd.DataFrame:
    """Each bilingual condition against the monolingual model of each of its languages, tested on that language,
    untrained (0 steps) and at the largest step count both reach at the end of an epoch: NF of each (mean over
    seeds), the difference in points with a Welch 95 % interval over runs, and the epochs compared."""
    rows = []
    for lang in sorted(curves.lang.unique()):
        here = curves[curves.lang == lang]
        mono = here[(here.kind == "monolingual") & (here.train_langs == lang)]
        for condition in sorted(here[here.kind == "bilingual"].train_langs.unique()):
            bi = here[(here.kind == "bilingual") & (here.train_langs == condition)]
            common = sorted(set(mono.steps) & set(bi.steps))
            if mono.empty or not common:
                continue
            for label, steps in (("untrained", 0), ("equal steps", common[-1])):
                a, b = bi[bi.steps == steps], mono[mono.steps == steps]
                if len(a) < 2 or len(b) < 2:
                    continue
                diff, low, high, p = welch(100 * a.nf.to_numpy(), 100 * b.nf.to_numpy())
                rows.append(
                    {
                        "lang": lang,
                        "bilingual": condition,
                        "monolingual": lang,
                        "when": label,
                        "steps": steps,
                        "epochs (bi / mono)": f"{int(a.epoch.iloc[0])} / {int(b.epoch.iloc[0])}",
                        "NF bilingual": 100 * a.nf.mean(),
                        "NF monolingual": 100 * b.nf.mean(),
                        "difference": diff,
                        "low": low,
                        "high": high,
                        "p": p,
                    }
                )
    columns = ["lang", "bilingual", "monolingual", "when", "steps", "epochs (bi / mono)", "NF bilingual",
               "NF monolingual", "difference", "low", "high", "p"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# ----------------------------------------------------------------------------- why languages differ


def novel_word_similarity(prepared, lang: str) -> pd.DataFrame:
    """Per novel word of `lang`: the cosine between its centroid and the nearest familiar word's centroid in the
    frozen audio encoder's mean-pooled test features (before any VGS training), and which word that is."""
    pooled = prepared.audio[("test", lang)].mean_pooled()
    pooled = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    labels = prepared.labels("audio", "test", lang).to_numpy()
    familiar = [c for c in FAMILIAR if (labels == c).any()]
    means = geometry.class_means(pooled, labels, familiar)
    rows = []
    for word in NOVEL:
        if (labels == word).any():
            centroid = geometry.class_means(pooled, labels, [word])[0]
            sims = means @ centroid
            rows.append({"lang": lang, "concept": word, "similarity": float(sims.max()),
                         "nearest familiar": familiar[int(sims.argmax())]})  # fmt: skip
    return pd.DataFrame(rows)


def similarity_explains(words: pd.DataFrame) -> dict:
    """Does a novel word's acoustic similarity to its language's familiar words explain its NF accuracy, and the
    differences between languages? `words`: lang, concept, similarity, nf (per word, mean over runs). OLS of NF
    (points) on the test language alone and on language + similarity (standardised): the slope per SD with its
    95 % interval, and the spread of the language means before and after (the largest minus the smallest
    language coefficient, in points)."""
    import statsmodels.formula.api as smf

    d = words.assign(nf_pct=100 * words.nf, z=(words.similarity - words.similarity.mean()) / words.similarity.std())
    alone = smf.ols("nf_pct ~ C(lang)", d).fit()
    both = smf.ols("nf_pct ~ C(lang) + z", d).fit()

    def spread(fit):
        effects = [0.0] + [v for k, v in fit.params.items() if k.startswith("C(lang)")]
        return float(max(effects) - min(effects))

    low, high = both.conf_int().loc["z"]
    return {
        "slope": float(both.params["z"]),
        "low": float(low),
        "high": float(high),
        "p": float(both.pvalues["z"]),
        "spread_alone": spread(alone),
        "spread_with": spread(both),
        "words": len(d),
    }


# ----------------------------------------------------------------------------- the chapter's tables, computed once

# The tables the geometry chapter (and the first page and the space chapter) read: the analysis notebook
# computes them once per preset and writes them beside its other tables (`results.analysis.write`).
CHAPTER_TABLES = {
    "mechanism": "per run and test language, the reported epoch: accuracies and every quantity",
    "mechanism_untrained": "the same at epoch 0, for the runs that kept their untrained model's embeddings",
    "mechanism_predictors": "the mixed model of NF on each predictor quantity",
    "nf_by_steps": "NF of every run after each epoch against the training steps taken",
    "step_matched": "bilingual against monolingual runs at 0 and at equal steps",
    "novel_words": "per novel word: its acoustic similarity to the nearest familiar word, and its NF",
    "mechanism_between": "the mechanism between conditions",
}


def chapter_tables(tidy: dict, manifest, prepared, preset: str) -> dict[str, pd.DataFrame]:
    """The chapter's analyses over `preset`'s runs of its own recipe and size (`tidy`: `runs.load_runs`)."""
    summary = tidy["runs"]
    runs = summary[(summary.preset == preset) & (summary["size"] == summary.preset_size)]
    runs = runs[runs.variant.fillna("") == ""] if "variant" in runs else runs  # the preset's recipe only
    metrics = tidy["metrics"][tidy["metrics"].run.isin(runs.run)]
    table = per_run_table(runs, manifest)
    curves = nf_by_steps(metrics)
    nf = tidy["trials"][tidy["trials"].run.isin(runs[runs.table1].run) & (tidy["trials"].test == "nf")]
    per_word = nf.groupby(["lang", "concept"]).correct.mean().rename("nf").reset_index()
    words = pd.concat([novel_word_similarity(prepared, lang) for lang in sorted(per_word.lang.unique())])
    return {
        "mechanism": table,
        "mechanism_untrained": per_run_table(runs, manifest, metrics=metrics),
        "mechanism_predictors": predicts_nf(table),
        "nf_by_steps": curves,
        "step_matched": step_matched(curves),
        "novel_words": words.merge(per_word, on=["lang", "concept"]),
        "mechanism_between": between_conditions(table),
    }
