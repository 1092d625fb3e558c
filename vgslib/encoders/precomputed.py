"""Features computed elsewhere, read instead of extracted: the reference implementation's HDF5 files.

`EncoderConfig(kind="precomputed-audio", path=FOLDER)` (or `precomputed-image`) reads every `*.h5` file in
FOLDER: one group per item name holding a dataset `feature` (audio: T x 768; images: 2048 x 8 x 8, returned
as 64 tokens of 2048). The file names say the split and, for audio, the language
(`me-dataset-<split>-<lang>-wavlm-base-plus.h5`), so one item name may appear in several languages. The
feature store caches what is read, keyed as for any encoder, so training never opens the HDF5 files again; the
key includes a hash of every file's contents, so a file rewritten in place (even to the same size) is read
again. Every item must have the first item's layout: images C x 8 x 8 (channels first), audio T x D.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re

import numpy as np

from vgslib.config import stable_hash
from vgslib.encoders.base import Encoder, EncoderConfig
from vgslib.sources.reference import LANGS

# The reference names languages in full in its file names; ours are codes: either is read.
LANG_NAMES = {**LANGS, **{code: code for code in LANGS.values()}}
GRID = (8, 8)  # DINO ResNet-50's last feature map for the reference's 256 x 256 crops: 64 tokens


def content_hash(path: str) -> str:
    """A hash of a file's bytes (read at disk speed; the feature store keys its cache on it)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "blake2b").hexdigest()[:32]


class PrecomputedFeaturesError(ValueError):
    """A precomputed feature that is missing, truncated or of the wrong shape; the message names file and item."""


def file_language(path: str) -> str:
    """The language an audio feature file's name gives (`...-<split>-<lang>-...h5`), or "" for none."""
    for part in re.split(r"[-_.]", os.path.basename(path).lower()):
        if part in LANG_NAMES:
            return LANG_NAMES[part]
    return ""


class PrecomputedEncoder(Encoder):
    def __init__(self, cfg: EncoderConfig):
        import h5py

        self.cfg = cfg
        self.modality = "audio" if cfg.kind == "precomputed-audio" else "image"
        self.name = cfg.kind
        self.files = sorted(glob.glob(os.path.join(cfg.path, "*.h5")))
        if not self.files:
            raise FileNotFoundError(f"no .h5 feature files in {cfg.path} (the {cfg.kind} encoder's folder)")
        self.index: dict[tuple[str, str], str] = {}  # (lang or "", item name) -> file
        for path in self.files:
            try:
                with h5py.File(path, "r") as f:
                    names = list(f.keys())
            except OSError as err:
                raise PrecomputedFeaturesError(f"{path} cannot be read as HDF5 (truncated?): {err}") from None
            lang = file_language(path) if self.modality == "audio" else ""
            for name in names:
                self.index[(lang, name)] = path
        self.dim = 0  # set by the first item read: every other item must match it
        self.dim = self._read(*next(iter(self.index)), where="the first item").shape[1]

    def digest(self) -> str:
        # On content, not name and size: a group rewritten in place keeps the file's size.
        stamp = [(os.path.basename(p), content_hash(p)) for p in self.files]
        return stable_hash([self.cfg.kind, os.path.abspath(self.cfg.path), stamp])

    def _read(self, lang: str, name: str, where: str) -> np.ndarray:
        import h5py

        path = self.index.get((lang, name))
        if path is None:
            raise PrecomputedFeaturesError(
                f"{where}: no features of item {name!r} ({lang or 'images'}) in {self.cfg.path}"
            )
        try:
            with h5py.File(path, "r") as f:
                feature = np.asarray(f[name]["feature"], dtype=np.float32)
        except (OSError, KeyError) as err:
            raise PrecomputedFeaturesError(f"{path}: item {name!r} cannot be read ({err})") from None
        if self.modality == "image":
            if feature.ndim != 3 or feature.shape[1:] != GRID:
                raise PrecomputedFeaturesError(
                    f"{path}: item {name!r} has shape {feature.shape}, expected C x {GRID[0]} x {GRID[1]} "
                    "(channels first, as DINO ResNet-50's feature map: 2048 x 8 x 8)"
                )
            feature = feature.reshape(feature.shape[0], -1).T  # (H * W, C): 64 tokens of 2048
        elif feature.ndim != 2 or len(feature) == 0:
            raise PrecomputedFeaturesError(
                f"{path}: item {name!r} has shape {feature.shape}, expected T x D (frames x WavLM's 768)"
            )
        if self.dim and feature.shape[1] != self.dim:
            raise PrecomputedFeaturesError(
                f"{path}: item {name!r} has {feature.shape[1]} features per token, the first item {self.dim}"
            )
        return feature

    def encode_rows(self, manifest, rows) -> list[np.ndarray]:
        out = []
        for r in rows.itertuples():
            lang = r.lang if self.modality == "audio" else ""
            name = r.id.removeprefix(f"{lang}-") if lang else r.id
            out.append(self._read(lang, name, where=f"{self.modality} row {r.id}"))
        return out
