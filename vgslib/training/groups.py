"""In-memory feature pools and the training groups of protocol §5.

A group is built around one anchor audio token: 1 positive image of the anchor's concept, 11 negative images
and 11 negative audio tokens, each negative drawn by picking a familiar concept other than the anchor's
(uniformly, with replacement) and then a random item of it. The familiar concepts are those of the pools
(the 13 of the protocol unless a run trains on another vocabulary). Without links a bilingual model's negative audio
comes from both languages pooled. With `links`, each anchor also gets a partner, a token of the same concept in
the other training language, and, as in the reference, the anchor's negative audio comes from its own language
while the partner has its own negatives: audio of the other language and images, drawn independently.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import torch

from vgslib.encoders.features import Features
from vgslib.sources import concepts


@dataclass
class Pool:
    """Items of one modality as a padded tensor, with labels; `batch(idx)` cuts the padding to the batch."""

    ids: np.ndarray  # (N,)
    tokens: torch.Tensor  # (N, T_max, D)
    lengths: torch.Tensor  # (N,)
    concept: np.ndarray  # (N,) concept names
    lang: np.ndarray  # (N,) language codes ("" for images)

    @classmethod
    def from_features(cls, parts: list[tuple[Features, np.ndarray, str]], dtype=torch.float32) -> Pool:
        """Stack (features, concept labels, lang) parts into one pool of `dtype` tokens."""
        items, ids, labels, langs = [], [], [], []
        for f, concept, lang in parts:
            items += [torch.from_numpy(f.item(i)).to(dtype) for i in range(len(f))]
            ids.append(np.asarray(f.ids, dtype=str))
            labels.append(np.asarray(concept, dtype=str))
            langs.append(np.full(len(f), lang))
        lengths = torch.tensor([len(t) for t in items])
        tokens = torch.nn.utils.rnn.pad_sequence(items, batch_first=True)  # (N, T_max, D)
        return cls(np.concatenate(ids), tokens, lengths, np.concatenate(labels), np.concatenate(langs))

    def __len__(self) -> int:
        return len(self.ids)

    def batch(self, idx: torch.Tensor, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        lengths = self.lengths[idx]
        x = self.tokens[:, : int(lengths.max())].index_select(0, idx)  # (B, T, D); 2x faster than tokens[idx, :T]
        pad = torch.arange(x.shape[1])[None, :] >= lengths[:, None]  # (B, T), True = padding
        return x.to(device, non_blocking=True), pad.to(device, non_blocking=True)

    def subset(self, keep: np.ndarray) -> Pool:
        keep_t = torch.from_numpy(np.flatnonzero(keep))
        return Pool(self.ids[keep], self.tokens[keep_t], self.lengths[keep_t], self.concept[keep], self.lang[keep])

    @property
    def dim(self) -> int:
        return self.tokens.shape[-1]


@dataclass
class FlatPool:
    """A `Pool` that keeps its items' tokens unpadded in their stored float16 (one array, memory-mapped when it
    comes from one feature file) and pads each batch as it is cut: the same batches as `Pool`, value for value,
    in a fraction of the memory (`VGSLIB_FLAT_POOLS=1`; splits larger than RAM)."""

    ids: np.ndarray  # (N,)
    flat: torch.Tensor  # (sum of T_i, D) float16, over a memmap when the features are memory-mapped
    starts: np.ndarray  # (N,) int64: item i owns flat[starts[i] : starts[i] + lengths[i]]
    lengths: torch.Tensor  # (N,)
    concept: np.ndarray
    lang: np.ndarray
    dtype: torch.dtype = torch.float32

    @classmethod
    def from_features(cls, parts: list[tuple[Features, np.ndarray, str]], dtype=torch.float32) -> FlatPool:
        flat = parts[0][0].tokens if len(parts) == 1 else np.concatenate([f.tokens for f, _, _ in parts])
        flat = torch.from_numpy(flat if flat.dtype == np.float16 else flat.astype(np.float16))  # no copy of a map
        starts, base = [], 0
        for f, _, _ in parts:
            starts.append(f.offsets[:-1] + base)
            base += int(f.offsets[-1])
        return cls(
            ids=np.concatenate([np.asarray(f.ids, dtype=str) for f, _, _ in parts]),
            flat=flat,
            starts=np.concatenate(starts).astype(np.int64),
            lengths=torch.from_numpy(np.concatenate([f.lengths() for f, _, _ in parts]).astype(np.int64)),
            concept=np.concatenate([np.asarray(c, dtype=str) for _, c, _ in parts]),
            lang=np.concatenate([np.full(len(f), lang) for f, _, lang in parts]),
            dtype=dtype,
        )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dim(self) -> int:
        return self.flat.shape[1]

    def batch(self, idx: torch.Tensor, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        lengths = self.lengths[idx]
        steps = torch.arange(int(lengths.max()))
        pad = steps[None, :] >= lengths[:, None]  # (B, T), True = padding
        rows = (torch.from_numpy(self.starts)[idx][:, None] + steps[None, :]).masked_fill(pad, 0)
        x = self.flat.index_select(0, rows.view(-1)).to(self.dtype)
        x = x.view(*rows.shape, -1).masked_fill(pad[..., None], 0)
        return x.to(device, non_blocking=True), pad.to(device, non_blocking=True)

    def subset(self, keep: np.ndarray) -> FlatPool:
        where = np.flatnonzero(keep)
        return FlatPool(self.ids[keep], self.flat, self.starts[where], self.lengths[torch.from_numpy(where)],
                        self.concept[keep], self.lang[keep], self.dtype)  # fmt: skip


class ConceptSampler:
    """Random items of a given concept (and language), vectorised."""

    def __init__(self, concept: np.ndarray, lang: np.ndarray | None = None):
        keys = [(c, l) for c, l in zip(concept, lang)] if lang is not None else [(c, "") for c in concept]
        self.members: dict[tuple, np.ndarray] = {}
        for i, key in enumerate(keys):
            self.members.setdefault(key, []).append(i)
        self.members = {k: np.asarray(v) for k, v in self.members.items()}
        self.concepts = frozenset(c for c, _ in self.members)

    def draw(self, concept: np.ndarray, rng: np.random.Generator, lang: np.ndarray | None = None) -> np.ndarray:
        out = np.empty(concept.shape, dtype=np.int64)
        keys = np.stack([concept, lang if lang is not None else np.full(concept.shape, "")], -1)
        flat_keys, flat_out = keys.reshape(-1, 2), out.reshape(-1)
        for key in sorted({tuple(k) for k in flat_keys}):  # sorted: a set's order changes between processes
            where = np.flatnonzero((flat_keys[:, 0] == key[0]) & (flat_keys[:, 1] == key[1]))
            members = self.members.get(key)
            if members is None:
                raise ValueError(f"no training items of concept {key[0]!r}" + (f" in {key[1]!r}" if key[1] else ""))
            flat_out[where] = members[rng.integers(len(members), size=len(where))]
        return out


def negative_concepts(
    anchor_concept: np.ndarray, num: int, rng: np.random.Generator, familiar=concepts.FAMILIAR_NAMES
) -> np.ndarray:
    """(G, num) concepts of `familiar` (sorted), each uniform over those other than the anchor's (12 of the 13)."""
    names = np.asarray(sorted(familiar))
    index = {name: i for i, name in enumerate(names)}
    anchor = np.asarray([index[c] for c in anchor_concept])
    offset = rng.integers(1, len(names), size=(len(anchor), num))
    return names[(anchor[:, None] + offset) % len(names)]


@dataclass
class Groups:
    anchor: np.ndarray  # (G,) audio pool index
    positive: np.ndarray  # (G,) image pool index
    neg_images: np.ndarray  # (G, K) image pool indices
    neg_audio: np.ndarray  # (G, K) audio pool indices
    partner: np.ndarray | None = None  # (G,) audio pool index, same concept, other language (links)
    partner_neg_audio: np.ndarray | None = None  # (G, K) audio of the partner's language (links)
    partner_neg_images: np.ndarray | None = None  # (G, K) images drawn for the partner (links)

    def __getitem__(self, s: slice) -> Groups:
        """The groups `s` (a slice), every field cut alike."""
        return Groups(
            **{f.name: None if getattr(self, f.name) is None else getattr(self, f.name)[s] for f in fields(self)}
        )


def sample_groups(
    anchors: np.ndarray,
    audio: Pool,
    images: Pool,
    rng: np.random.Generator,
    num_negatives: int = 11,
    links: bool = False,
    audio_sampler: ConceptSampler | None = None,
    image_sampler: ConceptSampler | None = None,
    exposure: tuple[str, str, float] | None = None,
) -> Groups:
    """Groups around `anchors`. `exposure` = (first language, second language, share of the first): each negative
    audio token's language is drawn with that share (unbalanced bilingual exposure); None: from the pooled
    audio, as in the paper."""
    audio_sampler = audio_sampler or ConceptSampler(audio.concept)
    image_sampler = image_sampler or ConceptSampler(images.concept)
    anchor_concept = audio.concept[anchors]
    familiar = sorted(audio_sampler.concepts)
    negatives = lambda: negative_concepts(anchor_concept, num_negatives, rng, familiar)  # noqa: E731
    positive = image_sampler.draw(anchor_concept, rng)
    neg_images = image_sampler.draw(negatives(), rng)
    if not links:
        neg_concepts = negatives()
        if exposure is None:
            return Groups(anchors, positive, neg_images, audio_sampler.draw(neg_concepts, rng))
        first, second, share = exposure
        lang = np.where(rng.random(neg_concepts.shape) < share, first, second)
        neg_audio = ConceptSampler(audio.concept, audio.lang).draw(neg_concepts, rng, lang)
        return Groups(anchors, positive, neg_images, neg_audio)
    langs = sorted(set(audio.lang))
    if len(langs) != 2:
        raise ValueError(f"links needs exactly two training languages, got {langs}")
    by_lang = ConceptSampler(audio.concept, audio.lang)
    own = audio.lang[anchors]
    other = np.where(own == langs[0], langs[1], langs[0])
    per_group = (len(anchors), num_negatives)
    neg_audio = by_lang.draw(negatives(), rng, np.broadcast_to(own[:, None], per_group))
    partner = by_lang.draw(anchor_concept, rng, lang=other)
    partner_neg_audio = by_lang.draw(negatives(), rng, np.broadcast_to(other[:, None], per_group))
    partner_neg_images = image_sampler.draw(negatives(), rng)
    return Groups(anchors, positive, neg_images, neg_audio, partner, partner_neg_audio, partner_neg_images)
