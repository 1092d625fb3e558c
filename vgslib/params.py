"""The training notebook's parameters, declared once: names, types, defaults and help.

`notebooks/train.py`'s `parameters` cell mirrors `TrainParams` (a test holds them equal); the notebook runner
validates against it before anything runs, and the notebook validates its own globals again after
papermill's injection. `TrainParams.to_config()` turns the flat parameters into a `RunConfig`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import typing
from dataclasses import dataclass, field

from vgslib import paths, recipe
from vgslib.condition import parse_languages
from vgslib.recipe import RunConfig


def param(default, help: str):
    return field(default=default, metadata={"help": help})


class NotebookParams:
    """A notebook's parameters as a frozen dataclass: its fields are the `parameters` cell."""

    @classmethod
    def spec(cls) -> dict[str, dict]:
        """name -> {type, default, help}, in declaration order."""
        hints = typing.get_type_hints(cls)
        return {
            f.name: {"type": hints[f.name].__name__, "default": f.default, "help": f.metadata["help"]}
            for f in dataclasses.fields(cls)
        }

    @classmethod
    def validate(cls, given: dict) -> dict:
        """Check names and types; return the given values converted to their declared types."""
        spec = cls.spec()
        unknown = sorted(set(given) - set(spec))
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; known parameters are {sorted(spec)}")
        return {name: convert(name, spec[name]["type"], value) for name, value in given.items()}

    @classmethod
    def from_mapping(cls, values: dict):
        """The parameters found in `values` (a notebook's globals), validated. A plain value (str, int, float,
        bool) under any other public name can only be a parameter papermill injected under a mistyped name
        (`-p seeds 3`): it is an error, not silently ignored."""
        spec = cls.spec()
        plain = (str, int, float, bool)
        stray = sorted(k for k, v in values.items() if not k.startswith("_") and k not in spec and isinstance(v, plain))
        if stray:
            raise ValueError(f"unknown parameter(s) {stray}; known parameters are {sorted(spec)}")
        return cls(**cls.validate({k: values[k] for k in spec if k in values}))


@dataclass(frozen=True)
class TrainParams(NotebookParams):
    preset: str = param(
        "", "paper | laptop | classroom | smoke (empty: paper on a CUDA GPU, else laptop; or $VGSLIB_PRESET)"
    )
    train_languages: str = param("en", "one to three of en, fr, nl (de, es, hu) joined by +, e.g. en+fr")
    seed: int = param(0, "the run's seed: sampling, initialisation, dropout")
    size: str = param("", "model size xsm | sm | md | lg | 3d (empty: the preset value)")
    links: bool = param(False, "bilingual only: add a same-concept token of the other language to every group")
    anchor_repeats: int = param(1, "every anchor this many times per epoch (2: the 2x control)")
    epochs: int = param(0, "training epochs (0: the preset value; warm-up scales along)")
    scale: float = param(0.0, "logit scale (0: the preset value, 100)")
    learn_scale: bool = param(False, "learn the scale (clamped) instead of fixing it")
    precision: str = param("", "fp32 | bf16 (empty: the preset value)")
    negatives: str = param("", "pool (the paper's) | batch (the step's own items) (empty: the preset value)")
    device: str = param("", "cpu | cuda | cuda:1 ... (empty: cuda when present, else cpu)")
    test_languages: str = param("", "languages to test, joined by + (empty: the training languages)")
    corpus: str = param("miniature", "miniature, or the folder of a real corpus manifest")
    audio_encoder: str = param("mini-audio", "mini-audio | wavlm | logmel-audio (the frozen-feature baseline)")
    audio_encoder_path: str = param("", "wavlm: a model id or local folder")
    image_encoder: str = param("mini-image", "mini-image | dino-resnet50 | pixel-image (the frozen-feature baseline)")
    image_encoder_path: str = param("", "dino-resnet50: a local checkpoint")
    data_overrides: str = param("", "JSON merged into the data config, e.g. world.train_tokens")
    train_overrides: str = param("", 'JSON merged into the train config, e.g. {"num_negatives": 3}')
    name: str = param("", "the condition's name (empty: derived from the config)")
    output_dir: str = param("", "the run directory (empty: runs/ and the run name, e.g. en+fr-sm-laptop-seed3)")
    progress: bool = param(True, "progress bars and a line per epoch")

    def to_config(self) -> RunConfig:
        """The flat parameters -> a validated RunConfig (0 / "" mean: the preset's value)."""
        preset = self.preset or recipe.default_preset()
        base = recipe.make_config(preset)  # fails early on an unknown preset
        train: dict = {
            "languages": list(parse_languages(self.train_languages)),
            "seed": self.seed,
            "links": self.links,
            "anchor_repeats": self.anchor_repeats,
        }
        if self.epochs:
            train["epochs"] = self.epochs
            train["warmup_epochs"] = min(self.epochs, base.train.warmup_epochs * self.epochs / base.train.epochs)
        if self.precision:
            train["precision"] = self.precision
        if self.negatives:
            train["negatives"] = self.negatives
        if self.device:
            train["device"] = self.device
        model: dict = {"learn_scale": self.learn_scale}
        if self.size:
            model["size"] = self.size
        if self.scale:
            model["scale"] = self.scale
        data: dict = {
            "corpus": self.corpus,
            "audio_encoder": {"kind": self.audio_encoder, "path": self.audio_encoder_path},
            "image_encoder": {"kind": self.image_encoder, "path": self.image_encoder_path},
        }
        if self.data_overrides:
            data = recipe.merge(data, _json_object("data_overrides", self.data_overrides))
        if self.train_overrides:
            train = recipe.merge(train, _json_object("train_overrides", self.train_overrides))
        overrides = {
            "train": train,
            "model": model,
            "data": data,
            "name": self.name,
            "test_languages": list(parse_languages(self.test_languages)),
        }
        return recipe.make_config(preset, overrides)

    def run_dir(self, cfg: RunConfig | None = None) -> str:
        """The run directory these parameters write: `output_dir`, or the condition's default folder."""
        return os.path.abspath(self.output_dir) if self.output_dir else recipe.run_dir(cfg or self.to_config())


def _json_object(name: str, text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"parameter {name!r} is not JSON ({err}): {text!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f"parameter {name!r} must be a JSON object, got {text!r}")
    return value


def convert(name: str, type_name: str, value):
    """A parameter's value as its declared type; strings from a command line are parsed ("true", "3")."""
    casts = {"str": _str, "int": _int, "float": float, "bool": _bool}
    try:
        return casts[type_name](value)
    except (TypeError, ValueError):
        raise ValueError(f"parameter {name!r} must be {type_name}, got {value!r}") from None


def _str(value) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _int(value) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(value)
    return int(value)


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "yes"):
        return True
    if str(value).lower() in ("false", "0", "no"):
        return False
    raise ValueError(value)


@dataclass(frozen=True)
class AnalysisParams(NotebookParams):
    runs_dir: str = param("", "the runs folder to analyse (empty: runs/)")
    preset: str = param("", "whose runs to analyse (empty: the preset with the most runs)")
    tests: str = param("nf+ff", "tests whose contrasts to estimate, joined by +")
    families: str = param("bilingual+links+resample+size", "contrast families, joined by +")
    estimators: str = param("glmm+gee", "contrast estimators, joined by +: glmm, gee, laplace")
    output_dir: str = param("", "the results folder (empty: results/ and the preset)")
    progress: bool = param(True, "a line per table")

    def runs(self) -> str:
        return os.path.abspath(self.runs_dir) if self.runs_dir else paths.runs_root()

    def folder(self, preset: str | None = None) -> str:
        """Where the results go: `output_dir`, or results/<preset> (default: this parameter's preset)."""
        return os.path.abspath(self.output_dir) if self.output_dir else paths.results_dir(preset or self.preset)

    def items(self, field_name: str) -> tuple[str, ...]:
        """A '+'-joined parameter as a tuple (the analysis checks what each may hold)."""
        values = tuple(v.strip() for v in getattr(self, field_name).split("+") if v.strip())
        if not values:
            raise ValueError(f"parameter {field_name!r} is empty")
        return values


NOTEBOOK_PARAMS = {"train.py": TrainParams, "analyse.py": AnalysisParams}  # the notebooks' declared parameters
