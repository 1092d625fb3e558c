"""In-group contrastive losses (protocol §5): negatives come only from the group itself."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def group_infonce(query: torch.Tensor, keys: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of each query (G, E) against its group's keys (G, K, E); key 0 is the positive."""
    logits = scale * torch.einsum("ge,gke->gk", query, keys)  # (G, K)
    return F.cross_entropy(logits, torch.zeros(len(query), dtype=torch.long, device=query.device))


def symmetric_group_loss(
    anchor: torch.Tensor,
    positive: torch.Tensor,
    anchor_negatives: torch.Tensor,
    positive_negatives: torch.Tensor,
    scale: torch.Tensor,
) -> torch.Tensor:
    """Anchor vs [positive, negatives of the positive's kind] and positive vs [anchor, the anchor's kind's
    negatives], averaged: the reference's audio->image plus image->audio loss.

    anchor, positive: (G, E); positive_negatives: (G, N, E) same kind as positive; anchor_negatives likewise.
    """
    to_positive = group_infonce(anchor, torch.cat([positive[:, None], positive_negatives], 1), scale)
    to_anchor = group_infonce(positive, torch.cat([anchor[:, None], anchor_negatives], 1), scale)
    return 0.5 * (to_positive + to_anchor)
