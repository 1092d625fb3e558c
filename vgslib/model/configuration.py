"""The VGS model's settings (`ModelConfig`), apart from its networks (`towers`): a recipe holds them, and
reading a recipe (the book's pages, the grid) then needs no torch."""

from __future__ import annotations

import math
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
        # The model clamps its scale to [1, max_scale] (a learned one moves within it): a value outside would be
        # silently changed, so it is refused.
        if not 1 <= self.max_scale < math.inf:
            raise ValueError(f"max_scale must be a finite number of at least 1, got {self.max_scale}")
        if not 1 <= self.scale <= self.max_scale:
            raise ValueError(f"scale must lie in [1, max_scale = {self.max_scale:g}], got {self.scale}")

    @property
    def width(self) -> int:
        return 128 if self.size == "3d" else SIZES[self.size]

    @property
    def embed_dim(self) -> int:
        return 3 if self.size == "3d" else self.width
