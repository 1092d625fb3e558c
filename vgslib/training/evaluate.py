"""Evaluation of a model during and after training: validation loss on frozen groups, embeddings of the test
pools, the stored trials scored on them, and the fixed analysis subset whose embeddings a run keeps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from vgslib.model.towers import VGSModel
from vgslib.training import trials
from vgslib.training.groups import Groups, Pool
from vgslib.training.loop import autocast, encode_items, group_loss


@torch.no_grad()
def embed_pool(model: VGSModel, pool: Pool, device, precision: str, audio: bool, batch: int = 256) -> np.ndarray:
    """(N, E) unit embeddings of every item of `pool`, in batches."""
    model.eval()
    out = []
    for first in range(0, len(pool), batch):
        idx = np.arange(first, min(first + batch, len(pool)))
        with autocast(device, precision):
            out.append(encode_items(model, pool, idx, device, audio).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, model.cfg.embed_dim), np.float32)


@torch.no_grad()
def validation_loss(model, groups: list[Groups], audio: Pool, images: Pool, device, precision: str) -> float:
    """Mean group loss over the frozen validation batches (the model selection criterion)."""
    model.eval()
    total = 0.0
    for g in groups:
        with autocast(device, precision):
            total += float(group_loss(model, g, audio, images, device))
    return total / max(1, len(groups))


@dataclass
class Evaluation:
    """The test pools embedded once and the stored trials scored on them."""

    scored: pd.DataFrame  # the trials with target_score, distractor_score, correct
    audio_emb: np.ndarray  # (N_audio, E), rows of the audio test pool
    image_emb: np.ndarray  # (N_images, E), rows of the image test pool

    def accuracies(self) -> dict[str, float]:
        """{"ff_en": ..., "nf_en": ...}: accuracy per test and language."""
        return {f"{r.test}_{r.lang}": r.accuracy for r in trials.accuracy(self.scored).itertuples()}


def evaluate(model, audio_test: Pool, images_test: Pool, table: pd.DataFrame, device, precision: str) -> Evaluation:
    """Embed the test pools and score every trial of `table` on them."""
    audio_emb = embed_pool(model, audio_test, device, precision, audio=True)
    image_emb = embed_pool(model, images_test, device, precision, audio=False)
    per_lang, index = {}, {}
    for lang in sorted(set(audio_test.lang)):
        rows = np.flatnonzero(audio_test.lang == lang)
        per_lang[lang] = audio_emb[rows]
        index[lang] = {i: k for k, i in enumerate(audio_test.ids[rows])}
    image_index = {i: k for k, i in enumerate(images_test.ids)}
    return Evaluation(trials.score(table, per_lang, image_emb, image_index, index), audio_emb, image_emb)


def analysis_subset(pool: Pool, per_word: int, seed: int = 0) -> np.ndarray:
    """Indices of up to `per_word` test tokens per word and language (fixed seed)."""
    rng = np.random.default_rng(seed)
    keep = []
    for key in sorted(set(zip(pool.concept, pool.lang))):
        members = np.flatnonzero((pool.concept == key[0]) & (pool.lang == key[1]))
        keep.extend(np.sort(rng.choice(members, min(per_word, len(members)), replace=False)))
    return np.asarray(sorted(keep), dtype=np.int64)
