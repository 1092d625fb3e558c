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
# # Lab: train one condition and test it for mutual exclusivity
#
# Your lecturer assigns you a condition (the training languages and a seed). Before you run anything, write
# down your **prediction** of the model's novel–familiar (ME) accuracy and pass it as `predict_nf`. Then run:
#
# ```console
# .venv/bin/python -m vgslib notebook lab -p student "Ada Lovelace" -p train_languages en+fr -p seed 2 -p predict_nf 60
# ```
#
# The executed notebook, `labs/lab-<student>-<languages>-seed<k>.ipynb`, is what you hand in. With the
# `classroom` preset one run takes a few minutes on a 2-core laptop (a bilingual run about twice as long),
# once the miniature world is prepared (`make prepare`, a one-time job of about 7 minutes). A run that
# already exists is read, not trained again.

# %% tags=["parameters"]
student: str = "student"  # your name (the hand-in's file name is made from it)
train_languages: str = "en"  # one or two of en, fr, nl joined by +, as assigned
seed: int = 0  # as assigned
predict_nf: float = -1.0  # your prediction of the NF accuracy in %, made before running (-1: none)
preset: str = "classroom"  # classroom (a few minutes), laptop (the study runs), smoke (seconds)
progress: bool = False  # a progress bar per epoch (off: they would fill the hand-in)
data_overrides: str = ""  # JSON merged into the data config (tests and advanced use; empty: the miniature)

# %% [markdown]
# ## 1. The run
#
# The parameters become the run's config (the same validation as the training notebook's), and the run is
# trained, or read if it is already complete.

# %%
from IPython.display import Markdown, display

from vgslib import runs
from vgslib.params import TrainParams
from vgslib.report import charts, lab, vega
from vgslib.results import tables
from vgslib.training import experiment

lab.slug(student)  # fails early on an empty name
params = TrainParams.from_mapping({"preset": preset, "train_languages": train_languages, "seed": seed,
                                   "progress": progress, "data_overrides": data_overrides})  # fmt: skip
cfg = params.to_config()
run_dir = experiment.run(cfg, params.run_dir(cfg), progress=params.progress)
run = runs.load_run(run_dir)
print(cfg.condition.run_name, "->", run_dir)

# %% [markdown]
# ## 2. The four tests, trained and untrained
#
# Each row holds the run's trials of one test in one test language: the accuracy, its 95 % interval and a
# p-value against chance (50 %) with each spoken *word* as the unit (a t interval over the words' accuracies:
# the trials of one word share that word's peculiarities, so counting them as independent would overstate the
# evidence), and the *untrained* model (epoch 0) on the same trials. One run is one seed: the chapters compare
# conditions over five seeds and model words and runs as random effects.

# %%
table = lab.accuracy_table(run["trials"], run["metrics"])
lab.styled(table)

# %% [markdown]
# ## 3. Your prediction

# %%
display(Markdown(lab.prediction_verdict(predict_nf, table)))

# %% [markdown]
# ## 4. Learning curves
#
# Accuracy on the test trials after every epoch (epoch 0 = untrained) and the validation loss, which chooses
# the reported epoch.

# %%
vega.use_standalone_theme()  # drawn as SVG: the hand-in shows it outside the book
metrics = run["metrics"].assign(run=cfg.condition.run_name, train_langs=train_languages, seed=seed)
charts.curves_chart(tables.curves(metrics), metrics[["train_langs", "epoch", "val_loss"]])

# %% [markdown]
# ## 5. ME word by word
#
# The NF accuracy of each novel word, as the test language says it (50 trials per word and test language);
# below 50 % the model prefers the familiar picture for that word.

# %%
lab.nf_per_word(run["trials"]).style.hide(axis="index").format({"accuracy": "{:.0%}"})

# %% [markdown]
# ## 6. Questions to answer (write in the cells below, then hand in this notebook)
#
# 1. Did the model learn its familiar words (FF well above 50 %)? How far did training move it from epoch 0?
# 2. Is the ME (NF) accuracy above chance? Is it far from the untrained model's?
# 3. Compare your prediction with the result. What did you assume that turned out right or wrong?
# 4. Which novel words resist ME most? Do they sound like a familiar word of the language (say them aloud)?
# 5. Compare with a classmate who trained another condition (e.g. the bilingual one that includes your
#    language): whose NF is higher, and is the difference larger than the intervals?

# %% [markdown]
# *Your answers:*
