"""The training loop (protocol §5): the learning-rate schedule, the optimiser, the group loss over pooled
features, and one epoch of steps.

Every random choice of epoch k derives from (seed, k), so a resumed run ends with the same numbers as an
uninterrupted one.
"""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np
import torch
from tqdm import tqdm  # text bars: a notebook kernel here has no widgets (tqdm.auto would warn)

from vgslib.model.losses import symmetric_group_loss
from vgslib.model.towers import VGSModel
from vgslib.recipe import TrainConfig
from vgslib.training.groups import Groups, Pool, sample_groups
from vgslib.training.step_negatives import sample_step_groups


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite; the run directory keeps every completed epoch."""


def lr_lambda(step: int, total: int, warmup: int, lr: float, min_lr: float) -> float:
    """Multiplier of `lr`: linear from min_lr to lr over `warmup` steps, then cosine down to min_lr."""
    if step < warmup:
        return (min_lr + (lr - min_lr) * step / max(1, warmup)) / lr
    progress = (step - warmup) / max(1, total - warmup)
    return (min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * min(1.0, progress)))) / lr


def optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Adam:
    """The run's Adam; fused: one kernel over all parameters instead of ~10 ops per tensor (~5 % of a CPU step)."""
    return torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)


def autocast(device: torch.device, precision: str):
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


BUCKETS = 4  # length buckets per step: padding each to its own maximum saves most of the padded work
# ... when a step embeds many items (the paper's sampler: ~660 words). Below this many, one bucket is faster: at
# the in-step sampler's 60 words a step took 24 ms in one bucket against 29 in four (analysis/step-cost.csv).
MIN_BUCKETED = 256
# Bucket sizes are rounded up to a multiple of this: a CPU's bf16 matmul compiles a kernel for every new shape
# (~4 ms each, against ~0.1 ms for the product itself; measured), so few distinct shapes keep them cached.
ROUND_ITEMS = 16


def encode_items(model, pool: Pool, idx: np.ndarray, device, audio: bool) -> torch.Tensor:
    """Embed each unique item once (sorted by length, in a few buckets) and gather: (*idx.shape, E)."""
    unique, inverse = np.unique(idx.reshape(-1), return_inverse=True)
    lengths = pool.lengths[unique].numpy()
    order = np.argsort(lengths, kind="stable")
    varied = lengths.min() < lengths.max()  # images are all of one length
    buckets = BUCKETS if varied and len(unique) >= MIN_BUCKETED else 1
    size = ROUND_ITEMS * -(-len(order) // (buckets * ROUND_ITEMS))  # items per bucket
    # Fill the last bucket with copies of the longest item (its length stays the bucket's length).
    padded = np.concatenate([order, np.full(-len(order) % size, order[-1])])
    parts = []
    for first in range(0, len(padded), size):
        x, pad = pool.batch(torch.from_numpy(unique[padded[first : first + size]]), device)  # (size, T_bucket, D)
        parts.append(model.encode_audio(x, pad) if audio else model.encode_image(x, pad))
    emb = torch.empty(len(unique), parts[0].shape[-1], device=device, dtype=parts[0].dtype)
    emb[torch.from_numpy(order).to(device)] = torch.cat(parts)[: len(order)]  # back to the order of `unique`
    return emb[torch.from_numpy(inverse).to(device)].reshape(*idx.shape, -1)


def group_loss(model: VGSModel, groups: Groups, audio: Pool, images: Pool, device) -> torch.Tensor:
    """The reference's loss; with links, the mean of audio1<->image, audio2<->image and audio1<->audio2, each
    side against the negatives drawn for it (the anchor's audio in its language, the partner's in the other)."""
    K = groups.neg_audio.shape[1]
    if groups.partner is None:
        a = encode_items(model, audio, np.concatenate([groups.anchor[:, None], groups.neg_audio], 1), device, True)
        i = encode_items(model, images, np.concatenate([groups.positive[:, None], groups.neg_images], 1), device, False)
        return symmetric_group_loss(a[:, 0], i[:, 0], a[:, 1:], i[:, 1:], model.scale)  # a, i: (G, 1 + K, E)
    a_idx = [groups.anchor[:, None], groups.neg_audio, groups.partner[:, None], groups.partner_neg_audio]
    i_idx = [groups.positive[:, None], groups.neg_images, groups.partner_neg_images]
    a = encode_items(model, audio, np.concatenate(a_idx, 1), device, audio=True)  # (G, 2 + 2K, E)
    i = encode_items(model, images, np.concatenate(i_idx, 1), device, audio=False)  # (G, 1 + 2K, E)
    anchor, neg_a, partner, partner_neg_a = a[:, 0], a[:, 1 : K + 1], a[:, K + 1], a[:, K + 2 :]
    pos, neg_i, partner_neg_i = i[:, 0], i[:, 1 : K + 1], i[:, K + 1 :]
    loss1 = symmetric_group_loss(anchor, pos, neg_a, neg_i, model.scale)
    loss2 = symmetric_group_loss(partner, pos, partner_neg_a, partner_neg_i, model.scale)
    loss3 = symmetric_group_loss(anchor, partner, neg_a, partner_neg_a, model.scale)
    return (loss1 + loss2 + loss3) / 3


def draw_groups(anchors, audio: Pool, images: Pool, rng, cfg: TrainConfig, samplers=(None, None), exposure=None):
    """The groups around `anchors` with the run's sampler of negatives (`train.negatives`)."""
    if cfg.negatives == "batch":
        return sample_step_groups(
            anchors, audio, images, rng, cfg.batch_groups, cfg.num_negatives, cfg.links, *samplers, exposure=exposure
        )
    return sample_groups(anchors, audio, images, rng, cfg.num_negatives, cfg.links, *samplers, exposure=exposure)


def split_batches(g: Groups, size: int) -> list[Groups]:
    return [g[first : first + size] for first in range(0, len(g.anchor), size)]


def epoch_anchors(audio: Pool, cfg: TrainConfig, rng: np.random.Generator) -> np.ndarray:
    """The epoch's anchors in order: every training token `anchor_repeats` times; with `first_language_share`,
    as many anchors in all, that share of them tokens of the first language (each token of a language once
    before any twice), the rest of the second."""
    total = len(audio) * cfg.anchor_repeats
    if not cfg.first_language_share:
        return rng.permutation(np.tile(np.arange(len(audio)), cfg.anchor_repeats))
    first = round(total * cfg.first_language_share)
    parts = [
        _passes(np.flatnonzero(audio.lang == lang), n, rng) for lang, n in zip(cfg.languages, (first, total - first))
    ]
    return rng.permutation(np.concatenate(parts))


def _passes(items: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` of `items`: whole shuffled passes over them, the last one cut short."""
    if len(items) == 0:
        raise ValueError("no training tokens in one of the training languages")
    passes = [rng.permutation(items) for _ in range(-(-n // len(items)))]
    return np.concatenate(passes)[:n] if passes else items[:0]


def train_epoch(
    model,
    opt,
    sched,
    epoch: int,
    cfg: TrainConfig,
    audio: Pool,
    images: Pool,
    device,
    run_dir: str,
    progress: bool,
    samplers,
) -> dict:
    """One pass over the (repeated) anchors; every random choice derives from (seed, epoch)."""
    rng = np.random.default_rng([cfg.seed, epoch])
    torch.manual_seed(cfg.seed * 100_003 + epoch)  # dropout
    anchors = epoch_anchors(audio, cfg, rng)
    exposure = (*cfg.languages, cfg.first_language_share) if cfg.first_language_share else None
    groups = draw_groups(anchors, audio, images, rng, cfg, samplers, exposure)
    model.train()
    losses, start = [], time.time()
    for step, batch in enumerate(
        tqdm(
            split_batches(groups, cfg.batch_groups),
            desc=f"epoch {epoch}",
            disable=not progress,
            mininterval=5,
            leave=False,
        )
    ):
        with autocast(device, cfg.precision):
            loss = group_loss(model, batch, audio, images, device)
        if not torch.isfinite(loss):
            raise NonFiniteLossError(
                f"non-finite training loss ({loss.item()}) at epoch {epoch}, step {step}; "
                f"{run_dir} keeps every completed epoch (up to {epoch - 1})"
            )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return {
        "train_loss": float(np.mean(losses)),
        "steps": len(losses),
        "groups": len(anchors),
        "train_seconds": time.time() - start,
    }
