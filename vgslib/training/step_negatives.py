"""Negatives from the step's own items (`train.negatives = "batch"`).

The paper's sampler ("pool", `groups.sample_groups`) draws each group's 11 negative pictures and 11 negative
words from the whole training pool, so a step of 60 groups embeds ~1,440 items, almost all unique, to learn
from 60 pairs. Here each group's negatives are drawn among the *other groups' items of the same step*: its
negative pictures among the step's positive pictures, its negative words among the step's words (the anchors,
and with links the partners too). Each negative is drawn as the paper draws it, a concept first and then an
item of it: the concept uniform over the concepts the step holds other than the anchor's (with replacement), the
item uniform over the step's items of that concept. A step then embeds its 60 words and 60 pictures once and
each is reused as a negative by the other groups (open_clip's in-batch negatives, with the paper's fixed number
of negatives per group and concept-level exclusion of the positive's concept).

What stays as in the paper's sampler: the number of negatives, the loss, the positive picture (drawn from the
pool), the links partner (drawn from the pool), the anchor's negative words of its own language and the
partner's of the other language (links), each negative word's language drawn with the first language's share
(unbalanced exposure). When a step holds no item a draw may take (the last step of an epoch can hold a single
group; an unbalanced step may hold no word of the drawn language), that group's draw falls back: first to any
language, then to the training pool, as the paper's sampler draws.
"""

from __future__ import annotations

import numpy as np

from vgslib.training.groups import ConceptSampler, Groups, Pool, negative_concepts


def draw_in_step(
    own: np.ndarray, candidates: np.ndarray, allowed: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """For each of the (G, K) draws, a candidate of a concept other than `own[g]`, among those `allowed`.

    own: (G,) each group's concept codes; candidates: (N,) the step items' concept codes; allowed: (G, K, N)
    which candidates each draw may take (before excluding the group's concept). Returns (G, K) candidate
    positions and a (G, K) mask of the draws that found a candidate (the others hold 0).
    """
    ok = allowed & (candidates[None, None, :] != own[:, None, None])  # (G, K, N)
    num_concepts = int(candidates.max()) + 1
    onehot = np.eye(num_concepts, dtype=bool)[candidates]  # (N, C)
    # (G, K, C): the concepts a draw may take. Counted by a float32 product (BLAS; numpy's integer product is not),
    # exact for counts below 2**24.
    present = (ok.astype(np.float32) @ onehot.astype(np.float32)) > 0
    count = present.sum(-1)  # (G, K)
    found = count > 0
    # Concept: uniform over the present ones (the r-th present concept), then an item uniform over its members.
    r = np.floor(rng.random(count.shape) * np.maximum(count, 1)).astype(np.int64)
    concept = np.argmax(np.cumsum(present, -1) == (r + 1)[..., None], -1)  # (G, K)
    members = ok & (candidates[None, None, :] == concept[..., None])  # (G, K, N)
    s = np.floor(rng.random(count.shape) * np.maximum(members.sum(-1), 1)).astype(np.int64)
    pick = np.argmax(np.cumsum(members, -1) == (s + 1)[..., None], -1)
    return np.where(found, pick, 0), found


def _codes(labels: np.ndarray, names: list[str]) -> np.ndarray:
    index = {name: i for i, name in enumerate(names)}
    return np.asarray([index[c] for c in labels], dtype=np.int64)


def step_negatives(
    own_concept: np.ndarray,
    items: np.ndarray,
    pool: Pool,
    num: int,
    rng: np.random.Generator,
    sampler: ConceptSampler,
    familiar: list[str],
    want_lang: np.ndarray | None = None,
) -> np.ndarray:
    """(G, num) pool indices of negatives for groups whose concepts are `own_concept`, drawn among `items` (the
    step's pool indices). `want_lang` (G, num): the language each draw should have (None: any)."""
    G, N = len(own_concept), len(items)
    names = sorted(set(familiar) | set(pool.concept[items]) | set(own_concept))
    own, cand = _codes(own_concept, names), _codes(pool.concept[items], names)
    allowed = np.ones((G, num, N), dtype=bool)
    if want_lang is not None:
        by_lang = allowed & (pool.lang[items][None, None, :] == want_lang[..., None])
        pick, found = draw_in_step(own, cand, by_lang, rng)
        # A draw whose language the step lacks takes any language of the step (the same rng stream either way).
        fallback, found_any = draw_in_step(own, cand, allowed, rng)
        pick, found = np.where(found, pick, fallback), found | found_any
    else:
        pick, found = draw_in_step(own, cand, allowed, rng)
    out = items[pick]
    if not found.all():  # a step with no other concept (a last step of one group): the paper's draw from the pool
        rows = np.flatnonzero(~found.all(1))
        lang = None if want_lang is None else want_lang[rows]
        drawn = sampler.draw(negative_concepts(own_concept[rows], num, rng, familiar), rng, lang)
        out[rows] = np.where(found[rows], out[rows], drawn)
    return out


def sample_step_groups(
    anchors: np.ndarray,
    audio: Pool,
    images: Pool,
    rng: np.random.Generator,
    batch_groups: int,
    num_negatives: int = 11,
    links: bool = False,
    audio_sampler: ConceptSampler | None = None,
    image_sampler: ConceptSampler | None = None,
    exposure: tuple[str, str, float] | None = None,
) -> Groups:
    """Groups around `anchors`, cut into steps of `batch_groups` as `loop.split_batches` cuts them, each step's
    negatives drawn among its own items. The arguments are those of `groups.sample_groups`."""
    audio_sampler = audio_sampler or ConceptSampler(audio.concept)
    image_sampler = image_sampler or ConceptSampler(images.concept)
    by_lang = ConceptSampler(audio.concept, audio.lang)
    familiar = sorted(audio_sampler.concepts)
    anchor_concept = audio.concept[anchors]
    positive = image_sampler.draw(anchor_concept, rng)
    partner = None
    if links:
        langs = sorted(set(audio.lang))
        if len(langs) != 2:
            raise ValueError(f"links needs exactly two training languages, got {langs}")
        other = np.where(audio.lang[anchors] == langs[0], langs[1], langs[0])
        partner = by_lang.draw(anchor_concept, rng, lang=other)
    steps = []
    for first in range(0, len(anchors), batch_groups):
        s = slice(first, first + batch_groups)
        own = anchor_concept[s]
        G, K = len(own), num_negatives
        neg_images = step_negatives(own, positive[s], images, K, rng, image_sampler, familiar)
        if not links:
            lang = None
            sampler = audio_sampler
            if exposure is not None:
                first_lang, second_lang, share = exposure
                lang = np.where(rng.random((G, K)) < share, first_lang, second_lang)
                sampler = by_lang
            neg_audio = step_negatives(own, anchors[s], audio, K, rng, sampler, familiar, want_lang=lang)
            steps.append(Groups(anchors[s], positive[s], neg_images, neg_audio))
            continue
        # Links: the step's words are its anchors and partners; each side takes words of its own language.
        words = np.concatenate([anchors[s], partner[s]])
        own_lang, partner_lang = audio.lang[anchors[s]], audio.lang[partner[s]]
        neg_audio = step_negatives(
            own, words, audio, K, rng, by_lang, familiar, want_lang=np.repeat(own_lang[:, None], K, 1)
        )
        partner_neg_audio = step_negatives(
            own, words, audio, K, rng, by_lang, familiar, want_lang=np.repeat(partner_lang[:, None], K, 1)
        )
        partner_neg_images = step_negatives(own, positive[s], images, K, rng, image_sampler, familiar)
        steps.append(Groups(anchors[s], positive[s], neg_images, neg_audio, partner[s], partner_neg_audio,
                            partner_neg_images))  # fmt: skip
    if not steps:
        raise ValueError("no anchors to build groups around")
    return Groups(**{f: None if getattr(steps[0], f) is None else np.concatenate([getattr(g, f) for g in steps])
                     for f in Groups.__dataclass_fields__})  # fmt: skip
