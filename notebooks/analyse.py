# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The study's statistics
#
# Every table of the study, computed once from the runs of one preset and written into a results folder that
# the book reads. Run it with `python -m vgslib notebook analyse` (`make book` does, after the grid), or on
# another runs folder, e.g. `paper`-preset runs made on a GPU cluster:
# `python -m vgslib notebook analyse -p runs_dir /path/to/runs -p preset paper`; rebuilding the book then
# re-renders every number from it.

# %% tags=["parameters"]
runs_dir: str = ""  # the runs folder to analyse (empty: runs/)
preset: str = ""  # whose runs to analyse (empty: the preset with the most runs)
tests: str = "nf+ff"  # tests whose contrasts to estimate, joined by +
families: str = "bilingual+links+resample+size"  # contrast families, joined by +
estimators: str = "glmm+gee"  # contrast estimators, joined by +: glmm, gee, laplace
output_dir: str = ""  # the results folder (empty: results/ and the preset)
progress: bool = True  # a line per table

# %% [markdown]
# The parameters, validated again after papermill's injection, and the runs they name:

# %%
import time

import pandas as pd
from IPython.display import display

from vgslib import runs
from vgslib.encoders.prepare import load_prepared, prepared_world_dir
from vgslib.params import AnalysisParams
from vgslib.results import analysis, beyond, ingredients, mechanism, study, tables
from vgslib.sources import manifest
from vgslib.training import experiment

params = AnalysisParams.from_mapping(globals())
study.check_options(params.items("families"), params.items("estimators"), params.items("tests"))  # before any work
# Runs trained before each run kept its untrained model's trials get them now (rebuilt from the seeded start).
experiment.backfill_untrained(params.runs(), progress=params.progress)
tidy = runs.load_runs(params.runs())
trials = tidy["trials"]
if trials.empty:
    raise RuntimeError(f"no complete runs in {params.runs()}: train some first (`make book` or the grid)")
preset = params.preset or tables.choose_preset(trials.preset)
trials = trials[trials.preset == preset]
folder = params.folder(preset)
print(f"{trials.run.nunique()} runs of the {preset} preset -> {folder}")
print("estimators:", {e: study.ESTIMATORS[e] for e in params.items("estimators")})

# %% [markdown]
# Table 1, per-run accuracies, ME against chance, the contrast families (each estimator named in its rows) and
# each Table 1 cell's trained models against the same runs untrained (epoch 0):

# %%
start = time.time()
untrained = tidy["untrained"]
untrained = untrained[untrained.preset == preset] if len(untrained) else untrained
results = analysis.analyse(
    trials,
    params.items("tests"),
    params.items("families"),
    params.items("estimators"),
    progress=params.progress,
    untrained=untrained,
)
seconds = time.time() - start
results["chance"]

# %% [markdown]
# The contrasts, and the fits whose sampler diagnostics failed (R-hat above 1.01 or bulk ESS below 400):

# %%
contrasts = results["contrasts"]
ok = contrasts.get("diagnostics_ok", pd.Series(dtype=object)).dropna().astype(bool)  # sampled fits only
print(f"{len(contrasts)} contrast rows, {len(ok)} sampled fits, {int((~ok).sum())} with failed diagnostics")
display(contrasts)

# %% [markdown]
# The experiments beyond the paper (`vgslib/experiments.py`), for each family with runs of its own: accuracies
# per setting with intervals over seeds, and each setting against the Table 1 recipe (GEE over runs, Holm within
# the family). Empty when no family has been trained (`make book EXPERIMENTS=1` trains them).

# %%
results |= beyond.family_tables(tidy["runs"], trials, preset)
results["beyond_contrasts"]

# %% [markdown]
# The miniature's ingredients (`experiments.INGREDIENTS`, the chapter on why ME is weaker here than in the paper),
# for each family with runs of its own: learned ME per setting and tested language, each run's trained model
# against its own untrained start (the paired GLMM, Holm within the family), and per run in points. Empty when
# none has been trained (`make book EXPERIMENTS=1` trains them).

# %%
start = time.time()
results |= ingredients.family_tables(tidy["runs"], trials, untrained, preset)
seconds += time.time() - start
results["ingredients_learned"]

# %% [markdown]
# Why ME arises (the geometry chapter; the first page and the space chapter read it too): for every run of the
# preset's own recipe, the mechanism quantities of its trained and untrained model, the mixed model of NF on each
# predictor, NF against training steps, and each novel word's acoustic similarity to the familiar words. They
# need the prepared data the runs were trained on; without it they are left out and those pages say so.

# %%
try:
    prepared, world = load_prepared(), manifest.load(prepared_world_dir())
except FileNotFoundError as missing:
    print(f"no mechanism tables: {missing}")
else:
    start = time.time()
    results |= mechanism.chapter_tables(tidy, world, prepared, preset)
    print(f"mechanism tables: {len(results['mechanism'])} rows in {time.time() - start:.0f} s")
    seconds += time.time() - start

# %% [markdown]
# Written last: `summary.json` marks the folder complete.

# %%
summary = {
    "preset": preset,
    "runs_dir": params.runs(),
    "runs": int(trials.run.nunique()),
    "tests": list(params.items("tests")),
    "families": list(params.items("families")),
    "estimators": list(params.items("estimators")),
    "seconds": round(seconds, 1),
}
analysis.write(results, trials, folder, summary)
display(summary)

# %% [markdown]
# The same models in lme4 (`analysis/glmer.R`) beside ours, for the appendix, where R and lme4 are installed:

# %%
comparison = analysis.compare_lme4(folder, {"commit": runs.git_commit()["commit"]})
print("no R with lme4: the appendix says how to compare" if comparison is None else comparison.round(3))
