"""The run recipe: the configs of one run (data, model, training) composed into `RunConfig`, and the named
presets, small overrides of the defaults (which are the paper's recipe).

- `paper`: protocol §4-§5 exactly (md, scale 100, Adam 2e-4, 4 + 20 epochs, 60 groups, fp32) — for real data
  and for a GPU;
- `laptop`: the miniature study sized for a 2-core CPU; every departure from `paper` is listed in
  `DEPARTURES` and shown in the book beside the paper's value;
- `classroom`: `laptop` trained for 7 epochs, the shortest schedule of the laptop sweep, on every core: one run
  in about half a minute (monolingual) to a minute (bilingual) on 2 cores once the miniature is prepared;
- `smoke`: seconds, for tests and for trying the pipeline.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
from dataclasses import dataclass

from vgslib import paths
from vgslib.condition import Condition
from vgslib.config import Config, added_field, stable_hash
from vgslib.encoders.prepare import DataConfig
from vgslib.model.configuration import ModelConfig
from vgslib.sources import concepts

PRECISIONS = ("fp32", "bf16")
NEGATIVES = ("pool", "batch")
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")  # a condition's name is one folder name, never a path
SEED_LIMIT = 2**32  # numpy's and torch's seeds both take 0 <= seed < 2**32


@dataclass(frozen=True)
class TrainConfig(Config):
    languages: tuple[str, ...] = ("en",)  # training languages: one (monolingual), two (bilingual) or three
    links: bool = False  # bilingual only: add a same-concept token of the other language to every group
    anchor_repeats: int = 1  # every anchor listed this many times per epoch (2 = the "2x" control)
    epochs: int = 24  # training epochs (the reference: 4 warm-up + 20 cosine)
    warmup_epochs: float = 4.0  # linear warm-up from min_lr to lr, in epochs
    lr: float = 2e-4  # peak learning rate (Adam)
    min_lr: float = 1e-6  # start of the warm-up and end of the cosine decay
    weight_decay: float = 5e-7  # coupled (L2 added to the gradient), as torch's Adam does
    batch_groups: int = 60  # groups per step
    num_negatives: int = 11  # negative images and negative audio tokens per group
    seed: int = 0  # sampling, initialisation and dropout
    # fp32, or bf16 autocast: a lever only on a CPU with bf16 matrix instructions (AVX-512 BF16, AMX); on one
    # without them (AVX2) bf16 is emulated and a laptop step took 3-6x longer than in fp32 (benchmarks/README.md)
    precision: str = "fp32"
    device: str = "auto"  # auto = cuda when present, else cpu
    threads: int = 0  # torch CPU threads (0 = torch's default)
    # Bilingual exposure: the share of each epoch's anchors (and of the negative audio) in the first training
    # language; 0 = every training token once per epoch, as in the paper (an even 50/50 on the miniature).
    first_language_share: float = added_field(0.0)
    # The familiar concepts the model trains on (and whose pictures its negatives come from); () = the 13 of the
    # protocol. Others need training data in the world (`WorldConfig.also_trained`): the vocabulary-size and
    # injected-novel experiments. The stored test trials do not change with it.
    familiar: tuple[str, ...] = added_field(())
    # The experiment (`vgslib.experiments`) a run was trained for, when its recipe alone would make it a Table 1
    # run of another condition (the language-pairs family's German or English+German runs): it changes no number,
    # only the run's identity, so such runs are never counted as Table 1 runs.
    experiment: str = added_field("")
    # Where each group's negatives come from: "pool", the paper's sampler (any training item of another concept);
    # "batch", the step's other groups' items of other concepts (`vgslib.training.step_negatives`): the same
    # loss and number of negatives with ~1/12 of the items embedded per step.
    negatives: str = added_field("pool")

    @property
    def familiar_names(self) -> tuple[str, ...]:
        return self.familiar or concepts.FAMILIAR_NAMES

    def __post_init__(self):
        for name in self.familiar:
            concepts.get(name)  # names the unknown concept
        if self.familiar and (len(set(self.familiar)) != len(self.familiar) or len(self.familiar) < 2):
            raise ValueError(f"train.familiar must name at least two distinct concepts, got {list(self.familiar)}")
        if not 1 <= len(self.languages) <= 3:
            raise ValueError(f"train.languages must hold one, two or three languages, got {list(self.languages)}")
        for lang in self.languages:
            concepts.check_language(lang)
        if len(set(self.languages)) != len(self.languages):
            raise ValueError(f"train.languages repeats a language: {list(self.languages)}")
        if self.links and len(self.languages) != 2:
            raise ValueError("train.links needs two training languages")
        if self.first_language_share and not (len(self.languages) == 2 and 0 < self.first_language_share < 1):
            raise ValueError(
                f"train.first_language_share must lie strictly between 0 and 1 and needs two training languages, "
                f"got {self.first_language_share} with {list(self.languages)}"
            )
        if self.first_language_share and self.links:
            raise ValueError("train.first_language_share and train.links cannot be combined")
        if self.experiment:
            from vgslib import experiments

            if self.experiment not in experiments.FAMILY:
                raise ValueError(f"train.experiment {self.experiment!r} is none of {sorted(experiments.FAMILY)}")
        if not 0 <= self.seed < SEED_LIMIT:
            raise ValueError(f"train.seed must be a whole number from 0 to {SEED_LIMIT - 1}, got {self.seed}")
        if self.anchor_repeats < 1:
            raise ValueError(f"train.anchor_repeats must be at least 1, got {self.anchor_repeats}")
        if self.device != "auto":
            import torch

            try:
                torch.device(self.device)
            except RuntimeError:
                raise ValueError(f"train.device must be auto, cpu, cuda or cuda:<k>, got {self.device!r}") from None
        if self.negatives not in NEGATIVES:
            raise ValueError(f"train.negatives must be one of {NEGATIVES}, got {self.negatives!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"train.precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.epochs < 1 or self.batch_groups < 1 or self.num_negatives < 1:
            raise ValueError("train.epochs, batch_groups and num_negatives must be positive")
        if not 0 <= self.warmup_epochs <= self.epochs:
            raise ValueError(f"train.warmup_epochs must lie in [0, epochs], got {self.warmup_epochs}")


@dataclass(frozen=True)
class RunConfig(Config):
    name: str = ""  # the condition's name, e.g. "en+fr-links"; empty = derived from the config
    preset: str = "paper"  # which preset the config came from (recorded, see PRESETS)
    data: DataConfig = DataConfig()  # corpus, frozen encoders
    model: ModelConfig = ModelConfig()  # the VGS model
    train: TrainConfig = TrainConfig()  # the recipe
    test_languages: tuple[str, ...] = ()  # languages to test (empty = the training languages)
    trial_seed: int = 0  # the stored trials' seed: every model and seed sees the same trials
    analysis_tokens: int = 30  # per word and language, for the embedding analyses (protocol §8)

    def __post_init__(self):
        for lang in self.test_languages:
            concepts.check_language(lang)
        if self.name and (not SAFE_NAME.fullmatch(self.name) or ".." in self.name):
            raise ValueError(
                f"name {self.name!r} must be a plain folder name (letters, digits, '.', '_', '+', '-'; no '/' or '..')"
            )

    @property
    def tested(self) -> tuple[str, ...]:
        return self.test_languages or self.train.languages

    def identity(self, length: int = 12) -> str:
        """The digest of everything that decides a run's numbers: the config without its name and without where
        and how fast it runs (device, threads). Two configs with one identity share a run directory."""
        record = self.to_dict()
        record.pop("name")
        record["train"] = {k: v for k, v in record["train"].items() if k not in ("device", "threads")}
        return stable_hash(record, length)

    @property
    def variant(self) -> str:
        """ "" when this is its preset's recipe for its condition (languages, links, anchor repeats, size, seed),
        else the first 8 characters of its identity: a run of another recipe gets a folder of its own and is not
        counted as a Table 1 run. On the built-in miniature world other frozen encoders are another recipe (the
        encoder experiment); on a real corpus they are its data."""
        if self.preset not in PRESETS:
            return self.identity(8)
        t = self.train
        condition = {"languages": list(t.languages), "links": t.links, "anchor_repeats": t.anchor_repeats,
                     "seed": t.seed}  # fmt: skip
        data = self.data.to_dict()
        if self.data.corpus == "miniature":  # on the built-in world its encoders are part of the recipe
            default = DataConfig().to_dict()
            data |= {k: default[k] for k in ("audio_encoder", "image_encoder")}
        overrides = {"train": condition, "model": {"size": self.model.size}, "data": data}
        standard = make_config(self.preset, overrides)
        return "" if standard.identity() == self.identity() else self.identity(8)

    @property
    def data_key(self) -> str:
        """ "" for the default data (the built-in miniature world and its encoders), else the data config's digest:
        runs on other data get folders of their own, and remain runs of their condition (e.g. the paper's Table 1
        on the real corpus)."""
        return "" if self.data == DataConfig() else self.data.digest(8)

    @property
    def condition(self) -> Condition:
        """The condition this config trains (the one definition of its names, see `vgslib.condition`)."""
        t = self.train
        preset_size = make_config(self.preset).model.size if self.preset in PRESETS else self.model.size
        return Condition(
            languages=t.languages,
            links=t.links,
            anchor_repeats=t.anchor_repeats,
            size=self.model.size,
            preset=self.preset,
            preset_size=preset_size,
            seed=t.seed,
            name=self.name,
            variant=self.variant,
            data=self.data_key,
        )


DERIVED_NAME = re.compile(r"[a-z]{2}(\+[a-z]{2})*(-links)?(-\d+x)?-(xsm|sm|md|lg|3d)(-custom[0-9a-f]+)?")


def check_custom_name(name: str) -> None:
    """A custom condition name never has the form of a derived one (a custom recipe named "en+fr-sm" would take,
    and retrain, the Table 1 run's folder). A run's record holds its derived name: only a name given is checked."""
    if DERIVED_NAME.fullmatch(name):
        raise ValueError(
            f"name {name!r} has the form of a derived condition name (languages, links, repeats, size), whose "
            "folders belong to those conditions: choose another"
        )


PRESETS: dict[str, dict] = {
    "paper": {},
    "laptop": {
        "model": {"size": "sm"},
        "train": {"epochs": 21, "warmup_epochs": 2.1, "lr": 1e-3, "negatives": "batch", "threads": 1},
    },
    "classroom": {
        "model": {"size": "sm"},
        "train": {"epochs": 7, "warmup_epochs": 0.7, "lr": 1e-3, "negatives": "batch", "threads": 0},
    },
    "smoke": {
        "model": {"size": "xsm"},
        "train": {"epochs": 2, "warmup_epochs": 0.5, "batch_groups": 16, "threads": 1},
        "analysis_tokens": 4,
    },
}

# Why each laptop departure exists (the book prints these beside the paper's values).
DEPARTURES = {
    "model.size": "a step of width 128 took about 0.6x the time of width 256 (bf16, steps timed in alternation, one "
    "thread, on the CPU the preset was first sized on)",
    "train.epochs": "chosen on validation loss by a rule fixed beforehand (the model chapter, "
    "analysis/laptop-preset.csv): 21 is the shortest of 7, 14 and 21 epochs whose best epoch is not its last "
    "and whose validation loss is within 10 % of the lowest, in EN, FR, NL and EN+FR (seed 0); the sweep was made "
    "with the paper's sampler in bf16 and re-checked under the adopted recipe (the model chapter)",
    "train.warmup_epochs": "a tenth of the schedule (the paper's is a sixth), as in every candidate of the sweep",
    "train.lr": "at 14 epochs 1e-3 reached a lower validation loss than 5e-4 in three of the four conditions of the "
    "sweep (mean 0.023 against 0.040); at 8 epochs in English it beat 2e-4 (FF 89.4 %) and 2e-3 (seed 0)",
    "train.negatives": "each group's negatives drawn among the step's own items (concept first, as the paper draws "
    "them): a step embeds ~120 items instead of ~1,440, ~4x cheaper on this CPU; adopted by a rule fixed before "
    "Table 1 was trained with both samplers on the same seeds (the model chapter, analysis/sampler-check.csv)",
    "train.threads": "two single-thread runs side by side outrun one run on two threads",
}
# Where the classroom preset's reasons differ from the laptop's (the rest are the laptop's).
CLASSROOM_DEPARTURES = {
    "train.epochs": "the shortest candidate of the laptop sweep (analysis/laptop-preset.csv, validation data only): "
    "at its last epoch validation FF is above 97 % in EN, FR, NL and EN+FR (seed 0), so a student's one run "
    "learns its familiar words; it is not the study's preset, whose schedule the model chapter's rule chooses",
    "train.warmup_epochs": "a tenth of the schedule, as in every candidate of the sweep",
    "train.threads": "one run alone: every core (results may differ in the last digits from a one-thread run)",
}


def merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def make_config(preset: str = "paper", overrides: dict | None = None) -> RunConfig:
    """The preset's config with `overrides` (a nested dict) applied; unknown keys fail loudly."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; known presets are {sorted(PRESETS)}")
    merged = merge(merge(RunConfig().to_dict(), PRESETS[preset]), overrides or {})
    merged["preset"] = preset
    if (overrides or {}).get("name"):
        check_custom_name(overrides["name"])
    return RunConfig.from_dict(merged)


def load_config(run_dir: str) -> RunConfig:
    """The config a run directory records (`config.json`, less what `runs.open_run` adds beside it)."""
    path = os.path.join(run_dir, "config.json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} does not exist: {run_dir} is not a run directory")
    with open(path) as f:
        record = json.load(f)
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    return RunConfig.from_dict({k: v for k, v in record.items() if k in fields}, where=path)


def departures(preset: str) -> list[dict]:
    """Rows of (setting, paper value, preset value, why) where `preset` differs from `paper`."""
    paper, other = make_config("paper").to_dict(), make_config(preset).to_dict()
    why = DEPARTURES | CLASSROOM_DEPARTURES if preset == "classroom" else DEPARTURES
    rows = []

    def walk(a, b, prefix=""):
        for key in a:
            if isinstance(a[key], dict):
                walk(a[key], b[key], f"{prefix}{key}.")
            elif a[key] != b[key] and key != "preset":
                shown = [f"{v:g}" if isinstance(v, float) else v for v in (a[key], b[key])]
                rows.append(
                    {
                        "setting": prefix + key,
                        "paper": shown[0],
                        preset: shown[1],
                        "why": why.get(prefix + key, ""),
                    }
                )

    walk(paper, other)
    return rows


def default_preset() -> str:
    """The preset of `make book` and the grid: `paper` where a CUDA GPU is present, else `laptop`
    (`VGSLIB_PRESET` overrides)."""
    if os.environ.get("VGSLIB_PRESET"):
        return os.environ["VGSLIB_PRESET"]
    import torch

    return "paper" if torch.cuda.is_available() else "laptop"


def run_dir(cfg: RunConfig) -> str:
    """runs/<condition>-<preset>-seed<k>, e.g. runs/en+fr-links-sm-laptop-seed3."""
    return os.path.join(paths.runs_root(), cfg.condition.run_name)
