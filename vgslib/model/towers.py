"""The VGS model (protocol §4): two towers of transformer pooling over frozen-encoder tokens.

Each tower: linear input projection -> a learned CLS token prepended -> one pre-norm transformer encoder
layer (heads = w/64, feed-forward 4w, GELU, dropout, key-padding mask, no positional encodings) -> the CLS
output -> LayerNorm -> bias-free projection to the embedding size -> L2 normalisation. The two towers have
the same structure and separate weights. An (audio, image) score is their cosine times a scale.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from vgslib.model.configuration import ModelConfig


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Inverted dropout, as `F.dropout`, with its mask drawn by `torch.rand`: ~1.5x faster on a CPU than the
    Bernoulli sampler `F.dropout` uses (measured; dropout was ~8 % of a training step)."""
    if not training or p == 0:
        return x
    return x * ((torch.rand(x.shape, device=x.device) >= p).to(x.dtype) * (1 / (1 - p)))


class ClsEncoderLayer(nn.Module):
    """One pre-norm transformer encoder layer (torch's `TransformerEncoderLayer(norm_first=True,
    activation="gelu")`) over [CLS, tokens], evaluated at the CLS position only.

    The tower reads nothing but the CLS output of its single layer, and that output depends on the other
    positions only through attention. So the query, the attention output, the feed-forward block and both
    residuals are computed for the CLS row alone, and keys and values are never formed (see `forward`). The
    CLS token is one learned vector and there are no positional encodings, so its query is the same for every
    item: computed once per batch. The same function with the same gradients (tested against torch's layer),
    with attention costing ~2*T*w per head and item instead of the 2*T*w*w of keys and values.
    """

    def __init__(self, width: int, heads: int, dropout: float):
        super().__init__()
        self.heads, self.p = heads, dropout
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)  # packed query / key / value projections, as torch packs them
        self.attn_out = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.ff1 = nn.Linear(width, 4 * width)
        self.ff2 = nn.Linear(4 * width, width)

    def forward(self, cls: torch.Tensor, h: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
        """cls (w,) the CLS token, h (B, T, w) the tokens, pad (B, T) True = padding -> the CLS output (B, w)."""
        B, T, w = h.shape
        H, d = self.heads, w // self.heads
        x, xc = self.norm1(h), self.norm1(cls)  # (B, T, w), (w,)
        wq, wk, wv = self.qkv.weight.split(w)  # (w, w) each; row block i*d:(i+1)*d belongs to head i
        bq, _, bv = self.qkv.bias.split(w)  # the key bias adds q.b_k to every score of a head: softmax ignores it
        # Keys and values are never formed: q.k_t = (W_k^T q) . x_t and sum_t a_t v_t = W_v (sum_t a_t x_t) + b_v
        # sum_t a_t, so each head's query is carried back to the width of x and attention pools x itself.
        q = F.linear(xc, wq, bq).view(H, 1, d)  # the CLS query of each head: one for the whole batch
        qk = torch.bmm(q, wk.view(H, d, w).to(q.dtype)).view(H, w) * d**-0.5  # (H, w)
        scores = torch.cat(
            [F.linear(xc, qk).expand(B, 1, H), F.linear(x, qk).masked_fill(pad[:, :, None], -torch.inf)], 1
        )  # (B, 1 + T, H): the CLS token's score for itself, then the tokens'
        weights = dropout(scores.softmax(dim=1), self.p, self.training)  # dropout on the weights, as torch's layer
        pooled = torch.bmm(weights[:, 1:].transpose(1, 2).to(x.dtype), x) + weights[:, :1].transpose(1, 2) * xc
        attn = torch.bmm(pooled.transpose(0, 1), wv.view(H, d, w).transpose(1, 2).to(pooled.dtype))  # (H, B, d)
        attn = attn.transpose(0, 1) + weights.sum(1)[..., None] * bv.view(H, d)  # (B, H, d)
        out = cls + dropout(self.attn_out(attn.reshape(B, w).to(h.dtype)), self.p, self.training)  # (B, w)
        ff = self.ff2(dropout(F.gelu(self.ff1(self.norm2(out))), self.p, self.training))
        return out + dropout(ff, self.p, self.training)


class PoolingTower(nn.Module):
    """(B, T, input_dim) tokens with a padding mask -> (B, embed_dim) unit vectors."""

    def __init__(self, input_dim: int, width: int, embed_dim: int, dropout: float):
        super().__init__()
        self.proj = nn.Linear(input_dim, width)
        # The reference initialises its CLS token as N(0, 1) * input_dim^-0.5; it lives in the model space.
        self.cls = nn.Parameter(torch.randn(width) * input_dim**-0.5)
        self.layer = ClsEncoderLayer(width, heads=max(1, width // 64), dropout=dropout)
        self.norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, embed_dim, bias=False)

    def forward(self, x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
        h = self.proj(x)  # (B, T, w)
        cls = self.layer(self.cls, h, pad)  # (B, w); the CLS token is never masked; no positional encodings
        return F.normalize(self.out(self.norm(cls)).float(), dim=-1)  # (B, e)


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
