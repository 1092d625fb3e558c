"""Frozen encoders: each turns a spoken word into (T, D) tokens or a picture into (N, D) tokens.

- `mini-audio`, `mini-image`: the miniature world's small self-supervised encoders (see `pretrain`), the
  default, needing no downloads;
- `wavlm`: any Hugging Face speech SSL model (WavLM Base+ in the reference) from a model id or local folder;
- `dino-resnet50`: torchvision's ResNet-50 with DINO weights from a local checkpoint, last conv map -> 64 tokens.

An encoder's `digest()` identifies its weights and settings; the feature store keys files by it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from . import audio as audio_io
from .config import Config, stable_hash
from .manifest import Manifest

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class EncoderConfig(Config):
    kind: str = "mini-audio"  # mini-audio | mini-image | wavlm | dino-resnet50
    path: str = ""  # model id or folder (wavlm), checkpoint file (dino-resnet50); unused by mini encoders
    layer: int = -1  # wavlm: hidden layer to read (-1 = last)
    device: str = "auto"  # auto = cuda when present, else cpu

    def __post_init__(self):
        if self.kind not in ENCODER_KINDS:
            raise ValueError(f"unknown encoder kind {self.kind!r}; known kinds are {sorted(ENCODER_KINDS)}")


def resolve_device(device: str) -> torch.device:
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


class WavLMEncoder(Encoder):
    """A Hugging Face speech SSL model; each word is encoded on its own (no padding to other words)."""

    modality = "audio"

    def __init__(self, cfg: EncoderConfig):
        from transformers import AutoFeatureExtractor, AutoModel

        if not cfg.path:
            raise ValueError("the wavlm encoder needs `path`: a model id (e.g. microsoft/wavlm-base-plus) or folder")
        self.cfg = cfg
        self.name = "wavlm"
        self.device = resolve_device(cfg.device)
        self.extractor = AutoFeatureExtractor.from_pretrained(cfg.path)
        if getattr(self.extractor, "sampling_rate", audio_io.SAMPLE_RATE) != audio_io.SAMPLE_RATE:
            raise ValueError(f"{cfg.path} expects {self.extractor.sampling_rate} Hz audio; the study uses 16 kHz")
        self.model = AutoModel.from_pretrained(cfg.path).to(self.device).eval()
        self.dim = self.model.config.hidden_size
        num_layers = self.model.config.num_hidden_layers
        if not -num_layers - 1 <= cfg.layer <= num_layers:
            raise ValueError(f"layer {cfg.layer} is out of range for a model with {num_layers} layers")

    def digest(self) -> str:
        return stable_hash(
            [
                self.cfg.kind,
                os.path.abspath(self.cfg.path) if os.path.exists(self.cfg.path) else self.cfg.path,
                self.cfg.layer,
                _weights_stamp(self.cfg.path),
            ]
        )

    @torch.inference_mode()
    def encode_batch(self, items: list) -> list[np.ndarray]:
        out = []
        for wave in items:
            inputs = self.extractor(wave, sampling_rate=audio_io.SAMPLE_RATE, return_tensors="pt")
            hidden = self.model(inputs["input_values"].to(self.device), output_hidden_states=True).hidden_states
            out.append(hidden[self.cfg.layer][0].float().cpu().numpy())  # (T, D)
        return out


class DinoResNetEncoder(Encoder):
    """ResNet-50 with DINO weights: last conv map of a 256x256 resize (no crop) -> 8x8 = 64 tokens x 2048."""

    modality = "image"
    dim = 2048

    def __init__(self, cfg: EncoderConfig):
        import torchvision

        if not cfg.path or not os.path.exists(cfg.path):
            raise FileNotFoundError(f"DINO ResNet-50 checkpoint {cfg.path!r} does not exist")
        self.cfg = cfg
        self.name = "dino-resnet50"
        self.device = resolve_device(cfg.device)
        model = torchvision.models.resnet50(weights=None)
        state = torch.load(cfg.path, map_location="cpu", weights_only=True)
        state = state.get("state_dict", state) if isinstance(state, dict) else state
        state = {k.removeprefix("module.").removeprefix("backbone."): v for k, v in state.items()}
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}
        try:
            missing, unexpected = model.load_state_dict(state, strict=False)
        except RuntimeError as err:  # shapes differ
            raise ValueError(f"{cfg.path} does not match torchvision's resnet50: {err}") from None
        missing = [k for k in missing if not k.startswith("fc.")]
        if missing or unexpected:
            raise ValueError(
                f"{cfg.path} does not match torchvision's resnet50: missing {missing[:5]}, unexpected {unexpected[:5]}"
            )
        model.fc = torch.nn.Identity()
        self.trunk = torch.nn.Sequential(*list(model.children())[:-2]).to(self.device).eval()  # up to layer4

    def digest(self) -> str:
        return stable_hash([self.cfg.kind, os.path.abspath(self.cfg.path), _weights_stamp(self.cfg.path)])

    @torch.inference_mode()
    def encode_batch(self, items: list) -> list[np.ndarray]:
        x = torch.stack([image_tensor(im, 256) for im in items]).to(self.device)  # (B, 3, 256, 256)
        x = (x - torch.tensor(IMAGENET_MEAN, device=self.device)[:, None, None]) / torch.tensor(
            IMAGENET_STD, device=self.device
        )[:, None, None]
        fmap = self.trunk(x)  # (B, 2048, 8, 8)
        return list(fmap.flatten(2).transpose(1, 2).float().cpu().numpy())  # B x (64, 2048)


def image_tensor(image, size: int) -> torch.Tensor:
    """A PIL picture resized (no crop) to size x size, as a (3, size, size) float tensor in [0, 1]."""
    from PIL import Image

    array = np.asarray(image.convert("RGB").resize((size, size), Image.BILINEAR), dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1)


def _weights_stamp(path: str) -> list:
    """Size and mtime of a local weights file or folder, so replaced weights invalidate cached features."""
    if not os.path.exists(path):
        return []
    files = [path] if os.path.isfile(path) else sorted(os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs)
    return [(os.path.relpath(f, path) if f != path else "", os.path.getsize(f)) for f in files]


def _mini(kind):
    def build(cfg: EncoderConfig, **kwargs):
        from . import pretrain

        return pretrain.load_or_pretrain(kind, cfg, **kwargs)

    return build


ENCODER_KINDS = {
    "mini-audio": _mini("mini-audio"),
    "mini-image": _mini("mini-image"),
    "wavlm": WavLMEncoder,
    "dino-resnet50": DinoResNetEncoder,
}


def build_encoder(cfg: EncoderConfig, **kwargs) -> Encoder:
    return ENCODER_KINDS[cfg.kind](cfg, **kwargs)
