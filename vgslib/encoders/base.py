"""The frozen-encoder interface: each encoder turns a spoken word into (T, D) tokens or a picture into (N, D)
tokens, and its `digest()` identifies its weights and settings (the feature store keys files by it).

Kinds (`EncoderConfig.kind`), built by `vgslib.encoders.build.build_encoder`:
- `mini-audio`, `mini-image`: the miniature world's small self-supervised encoders (`pretrain`), the default,
  needing no downloads;
- `wavlm`: any Hugging Face speech SSL model (WavLM Base+ in the reference) from a model id or local folder;
- `dino-resnet50`: torchvision's ResNet-50 with DINO weights from a local checkpoint, last conv map -> 64 tokens;
- `precomputed-audio`, `precomputed-image`: features computed elsewhere (the reference's HDF5 files), read from
  the folder `path` (`vgslib.encoders.precomputed`);
- `logmel-audio`, `pixel-image`: frozen-feature baselines with nothing learned (`vgslib.encoders.baseline`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from vgslib.config import Config, added_field
from vgslib.sources import media as audio_io
from vgslib.sources.manifest import Manifest

if TYPE_CHECKING:
    import torch

ENCODER_KINDS = (
    "mini-audio",
    "mini-image",
    "wavlm",
    "dino-resnet50",
    "precomputed-audio",
    "precomputed-image",
    "logmel-audio",
    "pixel-image",
)


@dataclass(frozen=True)
class EncoderConfig(Config):
    kind: str = "mini-audio"  # mini-audio | mini-image | wavlm | dino-resnet50 | precomputed-audio | -image
    path: str = ""  # model id or folder (wavlm), checkpoint file (dino-resnet50), folder of .h5 (precomputed)
    layer: int = -1  # wavlm: hidden layer to read (-1 = last); mini-audio: 0 its convolutions, 1 or -1 its BiGRU
    device: str = "auto"  # auto = cuda when present, else cpu
    # "" = the one layer `layer`; "mean" = every layer's tokens averaged with equal weights (mini-audio: its
    # convolutions and its BiGRU; wavlm: the convolutional front end's projection and every transformer layer)
    layer_mix: str = added_field("")

    def __post_init__(self):
        if self.kind not in ENCODER_KINDS:
            raise ValueError(f"unknown encoder kind {self.kind!r}; known kinds are {sorted(ENCODER_KINDS)}")
        # Checked here, when a run's config is made: before any world, feature or run file is written.
        if self.kind == "wavlm" and not self.path:
            raise ValueError("the wavlm encoder needs `path`: a model id (e.g. microsoft/wavlm-base-plus) or folder")
        if self.kind == "dino-resnet50" and not os.path.isfile(self.path):
            raise FileNotFoundError(f"DINO ResNet-50 checkpoint {self.path!r} does not exist")
        if self.kind == "mini-audio" and self.layer not in (-1, 0, 1):
            raise ValueError(
                f"the mini-audio encoder has layers 0 (convolutions) and 1 (BiGRU, = -1), not {self.layer}"
            )
        if self.layer_mix not in ("", "mean"):
            raise ValueError(f"layer_mix {self.layer_mix!r} is not one of '' (one layer) and 'mean' (every layer)")
        if self.layer_mix and self.kind not in ("mini-audio", "wavlm"):
            raise ValueError(f"layer_mix applies to the mini-audio and wavlm encoders, not {self.kind!r}")
        if self.kind.startswith("precomputed") and not os.path.isdir(self.path):
            raise FileNotFoundError(f"the folder of precomputed features {self.path!r} does not exist")


def resolve_device(device: str) -> torch.device:
    import torch  # here, as in `image_tensor`: a config or a manifest needs no torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class Encoder:
    """Base: subclasses set `name`, `modality`, `dim` and implement `encode_batch`."""

    name: str
    modality: str  # "audio" or "image"
    dim: int

    def digest(self) -> str:
        raise NotImplementedError

    def encode_rows(self, manifest: Manifest, rows: pd.DataFrame) -> list[np.ndarray]:
        """Token arrays for manifest rows (reads the files; bad files raise InputError naming them)."""
        if self.modality == "audio":
            items = [audio_io.load_segment(manifest.path(r.path), r.start, r.end) for r in rows.itertuples()]
        else:
            items = [audio_io.load_image(manifest.path(r.path)) for r in rows.itertuples()]
        return self.encode_batch(items)

    def encode_batch(self, items: list) -> list[np.ndarray]:
        raise NotImplementedError


def image_tensor(image, size: int) -> torch.Tensor:
    """A PIL picture resized (no crop) to size x size, as a (3, size, size) float tensor in [0, 1]."""
    import torch
    from PIL import Image

    array = np.asarray(image.convert("RGB").resize((size, size), Image.BILINEAR), dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1)
