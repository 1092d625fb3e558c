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
# # Train and test one condition
#
# One condition = one run of this notebook = one run directory. Run it with
# `python -m vgslib notebook train -p train_languages en+fr -p seed 3` (jupytext + papermill; the executed
# notebook is kept in the run directory). Every parameter below is validated before anything runs.

# %% tags=["parameters"]
preset: str = ""  # paper | laptop | classroom | smoke (empty: paper on a CUDA GPU, else laptop; or $VGSLIB_PRESET)
train_languages: str = "en"  # one to three of en, fr, nl (de, es, hu) joined by +, e.g. en+fr
seed: int = 0  # the run's seed: sampling, initialisation, dropout
size: str = ""  # model size xsm | sm | md | lg | 3d (empty: the preset value)
links: bool = False  # bilingual only: add a same-concept token of the other language to every group
anchor_repeats: int = 1  # every anchor this many times per epoch (2: the 2x control)
epochs: int = 0  # training epochs (0: the preset value; warm-up scales along)
scale: float = 0.0  # logit scale (0: the preset value, 100)
learn_scale: bool = False  # learn the scale (clamped) instead of fixing it
precision: str = ""  # fp32 | bf16 (empty: the preset value)
negatives: str = ""  # pool (the paper's) | batch (the step's own items) (empty: the preset value)
device: str = ""  # cpu | cuda | cuda:1 ... (empty: cuda when present, else cpu)
test_languages: str = ""  # languages to test, joined by + (empty: the training languages)
corpus: str = "miniature"  # miniature, or the folder of a real corpus manifest
audio_encoder: str = "mini-audio"  # mini-audio | wavlm | logmel-audio (the frozen-feature baseline)
audio_encoder_path: str = ""  # wavlm: a model id or local folder
image_encoder: str = "mini-image"  # mini-image | dino-resnet50 | pixel-image (the frozen-feature baseline)
image_encoder_path: str = ""  # dino-resnet50: a local checkpoint
data_overrides: str = ""  # JSON merged into the data config, e.g. world.train_tokens
train_overrides: str = ""  # JSON merged into the train config, e.g. {"num_negatives": 3}
name: str = ""  # the condition's name (empty: derived from the config)
output_dir: str = ""  # the run directory (empty: runs/ and the run name, e.g. en+fr-sm-laptop-seed3)
progress: bool = True  # progress bars and a line per epoch

# %% [markdown]
# The parameters, validated again here (papermill injects them without checking), become the run's config:

# %%
from vgslib import runs
from vgslib.params import TrainParams
from vgslib.training import experiment

params = TrainParams.from_mapping(globals())
cfg = params.to_config()
print(cfg.condition.run_name, "->", params.run_dir(cfg))

# %% [markdown]
# Train, evaluating after every epoch (epoch 0 is the untrained model); an interrupted run resumes.

# %%
run_dir = experiment.run(cfg, params.run_dir(cfg), progress=params.progress)
run = runs.load_run(run_dir)
run["metrics"]

# %% [markdown]
# The reported model is the epoch with the lowest validation loss:

# %%
run["done"]
