"""Parameter and FLOP accounting of the VGS model: counts derived from the architecture, term by term, so
tests can check them against the modules and torch's FLOP counter, and benchmarks can turn step times into
achieved FLOP/s."""

from __future__ import annotations

import pandas as pd
from torch import nn

from vgslib.model.configuration import SIZES, ModelConfig
from vgslib.model.towers import VGSModel


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
    """Forward FLOPs (2 x multiply-adds, matrix products only) of one tower on one item of `num_tokens` tokens,
    as `ClsEncoderLayer` computes them: the input projection and attention over every token, the rest for the
    CLS position only. The CLS query, the same for every item, is computed once per batch (`flops_per_batch`)."""
    w, H = width, max(1, width // 64)
    proj = 2 * num_tokens * input_dim * w
    attention = 2 * 2 * num_tokens * w * H  # scores against the normalised tokens, and their weighted sum
    cls_row = 2 * (2 * w * w + 8 * w * w)  # values of the pooled tokens, output projection; feed-forward block
    return proj + attention + cls_row + 2 * w * embed_dim


def flops_per_batch(width: int) -> int:
    """FLOPs shared by a batch: the CLS query, its image in the tokens' space and the CLS token's own score."""
    w, H = width, max(1, width // 64)
    return 2 * (2 * w * w + w * H)


def reference_flops_per_item(input_dim: int, width: int, embed_dim: int, num_tokens: int) -> int:
    """The same for the architecture as the reference computes it (torch's encoder layer at every position, keys
    and values formed): the model FLOPs of "model FLOPs utilisation", independent of how they are saved."""
    T, w = num_tokens + 1, width
    proj = 2 * num_tokens * input_dim * w
    layer = 2 * T * (3 * w * w + w * w + 8 * w * w) + 2 * 2 * T * T * w  # q/k/v, output, feed-forward; attention
    return proj + layer + 2 * w * embed_dim


INPUTS = {"miniature": (256, 256), "reference encoders": (768, 2048)}  # (audio, image) feature widths


def parameter_table() -> pd.DataFrame:
    """Trainable parameters of every model size, on the miniature's and on the reference's encoders."""
    rows = []
    for size in list(SIZES) + ["3d"]:
        cfg = ModelConfig(size=size)
        for corpus, (da, di) in INPUTS.items():
            rows.append(
                {
                    "size": size,
                    "width w": cfg.width,
                    "embedding e": cfg.embed_dim,
                    "heads": max(1, cfg.width // 64),
                    "inputs": f"{corpus} ({da} / {di})",
                    "parameters": count_parameters(VGSModel(cfg, da, di)),
                }
            )
    return pd.DataFrame(rows)


def paper_step_gflop(groups: int = 60, per_group: int = 12, audio_tokens: int = 50, image_tokens: int = 64) -> float:
    """Forward + backward (3x forward) GFLOP of one training step of the paper's md model on the reference's
    encoders: `groups` x (1 + 11) audio items and images of about 50 speech frames and 64 picture tokens."""
    (da, di), w = INPUTS["reference encoders"], ModelConfig(size="md").width
    per_item = flops_per_item(da, w, w, audio_tokens) + flops_per_item(di, w, w, image_tokens)
    return 3 * groups * per_group * per_item / 1e9
