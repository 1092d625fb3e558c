"""The VGS model's settings (`ModelConfig`), apart from its networks (`towers`): a recipe holds them, and
reading a recipe (the book's pages, the grid) then needs no torch."""

from __future__ import annotations

from dataclasses import dataclass

from vgslib.config import Config

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
