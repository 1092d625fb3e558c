"""Pretrained frozen encoders of the reference: a Hugging Face speech SSL model (WavLM Base+) and DINO
ResNet-50, loaded from a model id, a local folder or a local checkpoint (nothing is downloaded by the study)."""

from __future__ import annotations

import os

import numpy as np
import torch

from vgslib.config import stable_hash
from vgslib.encoders.base import Encoder, EncoderConfig, image_tensor, resolve_device
from vgslib.sources import media as audio_io

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


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
        where = os.path.abspath(self.cfg.path) if os.path.exists(self.cfg.path) else self.cfg.path
        mix = [self.cfg.layer_mix] if self.cfg.layer_mix else []  # absent when unset: earlier digests stay
        return stable_hash([self.cfg.kind, where, self.cfg.layer, _weights_stamp(self.cfg.path), *mix])

    @property
    def padding_aware(self) -> bool:
        """Whether padding cannot change the features: models whose convolutional front end normalises each
        frame (`feat_extract_norm="layer"`) take an attention mask; WavLM Base+ normalises over time (group
        norm), so padding would change every frame."""
        return getattr(self.model.config, "feat_extract_norm", "group") == "layer"

    def batches(self, lengths: list[int]) -> list[list[int]]:
        """Indices encoded together: all of them when padding is harmless, else those of equal length."""
        if self.padding_aware:
            return [list(range(len(lengths)))]
        groups: dict[int, list[int]] = {}
        for i, n in enumerate(lengths):
            groups.setdefault(n, []).append(i)
        return list(groups.values())

    @torch.inference_mode()
    def encode_batch(self, items: list) -> list[np.ndarray]:
        """(T, D) per word; words are batched only where batching cannot change their features."""
        out: list[np.ndarray] = [np.zeros(0)] * len(items)
        for idx in self.batches([len(w) for w in items]):
            waves = [items[i] for i in idx]
            inputs = self.extractor(waves, sampling_rate=audio_io.SAMPLE_RATE, return_tensors="pt", padding=True,
                                    return_attention_mask=self.padding_aware)  # fmt: skip
            mask = inputs.get("attention_mask") if self.padding_aware else None
            states = self.model(
                inputs["input_values"].to(self.device),
                attention_mask=None if mask is None else mask.to(self.device),
                output_hidden_states=True,
            ).hidden_states
            hidden = torch.stack(states).mean(0) if self.cfg.layer_mix == "mean" else states[self.cfg.layer]
            frames = self.model._get_feat_extract_output_lengths(torch.tensor([len(w) for w in waves]))
            for j, i in enumerate(idx):
                out[i] = hidden[j, : int(frames[j])].float().cpu().numpy()  # (T, D)
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


def _weights_stamp(path: str) -> list:
    """Size and mtime of a local weights file or folder, so replaced weights invalidate cached features."""
    if not os.path.exists(path):
        return []
    files = [path] if os.path.isfile(path) else sorted(os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs)
    return [(os.path.relpath(f, path) if f != path else "", os.path.getsize(f)) for f in files]
