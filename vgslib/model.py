"""The VGS model (protocol §4): two towers of transformer pooling over frozen-encoder tokens.

Each tower: linear input projection -> a learned CLS token prepended -> one pre-norm transformer encoder
layer (heads = w/64, feed-forward 4w, GELU, dropout, key-padding mask, no positional encodings) -> the CLS
output -> LayerNorm -> bias-free projection to the embedding size -> L2 normalisation. The two towers have
the same structure and separate weights. An (audio, image) score is their cosine times a scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .config import Config

SIZES = {"xsm": 64, "sm": 128, "md": 256, "lg": 512}  # width w; md is the paper's


@dataclass(frozen=True)
class ModelConfig(Config):
    size: str = "md"  # xsm | sm | md | lg (width 64 / 128 / 256 / 512), or "3d" (width 128, embedding 3)
    dropout: float = 0.1  # inside the transformer layer
    scale: float = 100.0  # logit scale; fixed by default, as the reference's effectively is
    learn_scale: bool = False  # learn log(scale) instead, clamped to [0, log(max_scale)]
    max_scale: float = 100.0  # upper clamp of a learned scale

    def __post_init__(self):
        if self.size not in SIZES and self.size != "3d":
            raise ValueError(f"unknown model size {self.size!r}; known sizes are {sorted(SIZES) + ['3d']}")
        if not self.scale > 0:
            raise ValueError(f"scale must be positive, got {self.scale}")

    @property
    def width(self) -> int:
        return 128 if self.size == "3d" else SIZES[self.size]

    @property
    def embed_dim(self) -> int:
        return 3 if self.size == "3d" else self.width


class PoolingTower(nn.Module):
    """(B, T, input_dim) tokens with a padding mask -> (B, embed_dim) unit vectors."""

    def __init__(self, input_dim: int, width: int, embed_dim: int, dropout: float):
        super().__init__()
        self.proj = nn.Linear(input_dim, width)
        # The reference initialises its CLS token as N(0, 1) * input_dim^-0.5; it lives in the model space.
        self.cls = nn.Parameter(torch.randn(width) * input_dim**-0.5)
        self.layer = nn.TransformerEncoderLayer(
            width,
            nhead=max(1, width // 64),
            dim_feedforward=4 * width,
            dropout=dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, embed_dim, bias=False)

    def forward(self, x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
        B = x.shape[0]
        h = self.proj(x)  # (B, T, w)
        h = torch.cat([self.cls.expand(B, 1, -1).to(h.dtype), h], dim=1)  # (B, 1 + T, w)
        pad = torch.cat([torch.zeros(B, 1, dtype=torch.bool, device=pad.device), pad], dim=1)  # CLS never masked
        h = self.layer(h, src_key_padding_mask=pad)  # no positional encodings: a bag of tokens
        return F.normalize(self.out(self.norm(h[:, 0])).float(), dim=-1)  # (B, e)


class VGSModel(nn.Module):
    """Audio and image towers plus the logit scale."""

    def __init__(self, cfg: ModelConfig, audio_dim: int, image_dim: int):
        super().__init__()
        self.cfg = cfg
        self.audio_tower = PoolingTower(audio_dim, cfg.width, cfg.embed_dim, cfg.dropout)
        self.image_tower = PoolingTower(image_dim, cfg.width, cfg.embed_dim, cfg.dropout)
        log_scale = torch.tensor(math.log(cfg.scale))
        if cfg.learn_scale:
            self.log_scale = nn.Parameter(log_scale)
        else:
            self.register_buffer("log_scale", log_scale)

    @property
    def scale(self) -> torch.Tensor:
        # Clamped in the forward pass, so the clamp shapes the gradient instead of being undone by the optimiser.
        return self.log_scale.clamp(0.0, math.log(self.cfg.max_scale)).exp()

    def encode_audio(self, x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
        return self.audio_tower(x, pad)

    def encode_image(self, x: torch.Tensor, pad: torch.Tensor | None = None) -> torch.Tensor:
        if pad is None:
            pad = torch.zeros(x.shape[:2], dtype=torch.bool, device=x.device)
        return self.image_tower(x, pad)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def tower_parameters_by_hand(input_dim: int, width: int, embed_dim: int) -> int:
    """The tower's parameter count derived from the architecture, term by term."""
    w, ff = width, 4 * width
    projection = input_dim * w + w
    cls = w
    attention = 3 * w * w + 3 * w + w * w + w  # packed q/k/v projection (+ bias) and output projection (+ bias)
    feed_forward = w * ff + ff + ff * w + w
    norms = 2 * w + 2 * w + 2 * w  # two pre-norms inside the layer, one after it
    output = w * embed_dim  # no bias
    return projection + cls + attention + feed_forward + norms + output


def flops_per_item(input_dim: int, width: int, embed_dim: int, num_tokens: int) -> int:
    """Forward multiply-adds x 2 of one tower on one item of `num_tokens` tokens (matmuls only)."""
    T, w = num_tokens + 1, width
    proj = 2 * num_tokens * input_dim * w
    qkvo = 2 * T * 4 * w * w
    scores = 2 * 2 * T * T * w  # QK^T and attention x V
    ffn = 2 * T * 8 * w * w
    out = 2 * w * embed_dim
    return proj + qkvo + scores + ffn + out
