"""The primer chapter (`book/primer.md`): cosine similarity, a contrastive loss trained live on a toy example
small enough to draw, and intervals that count trials against intervals that count words."""

from __future__ import annotations

import numpy as np
import pandas as pd


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The cosine of the angle between two vectors: 1 same direction, 0 perpendicular, -1 opposite."""
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def contrastive_loss(words, pictures, temperature: float = 0.1):
    """The book's loss in its simplest form: every word (unit vectors, one row each) against every picture; row k
    of each is the same concept, so the matching pairs sit on the diagonal. Cross-entropy from the words' side
    and from the pictures' side rewards a matching pair's cosine above the cosines with the others."""
    import torch
    import torch.nn.functional as F

    scores = words @ pictures.T / temperature
    target = torch.arange(len(words))
    return (F.cross_entropy(scores, target) + F.cross_entropy(scores.T, target)) / 2


def train_toy(seed: int = 0, concepts: int = 4, inputs: int = 4, steps: int = 300) -> dict:
    """`concepts` words and pictures as random inputs of `inputs` numbers, one linear map per modality onto two
    dimensions (where they can be drawn), trained with `contrastive_loss`: the embeddings before and after, the
    loss at the end, and how many words chose their own picture before and after."""
    import torch

    torch.manual_seed(seed)
    words, pictures = torch.randn(concepts, inputs), torch.randn(concepts, inputs)
    audio_map, image_map = torch.nn.Linear(inputs, 2), torch.nn.Linear(inputs, 2)  # the two "towers"
    optimiser = torch.optim.Adam([*audio_map.parameters(), *image_map.parameters()], lr=0.05)

    def embed():
        norm = torch.nn.functional.normalize
        return norm(audio_map(words), dim=-1), norm(image_map(pictures), dim=-1)

    def own_picture(a, i) -> int:
        return int(((a @ i.T).argmax(dim=1) == torch.arange(concepts)).sum())

    with torch.no_grad():
        before = embed()
    for _ in range(steps):
        loss = contrastive_loss(*embed())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        after = embed()
    return {"before": [e.numpy() for e in before], "after": [e.numpy() for e in after], "loss": loss.item(),
            "own_before": own_picture(*before), "own_after": own_picture(*after), "concepts": concepts}  # fmt: skip


def toy_points(toy: dict) -> pd.DataFrame:
    """The toy's embeddings as rows to draw: when, concept, kind (word or picture), x, y."""
    rows = []
    for when in ("before", "after"):
        for kind, emb in zip(("word", "picture"), toy[when]):
            for k, (x, y) in enumerate(emb):
                rows.append({"when": f"{when} training", "concept": f"concept {k + 1}", "kind": kind, "x": x, "y": y})
    return pd.DataFrame(rows)


def word_intervals(seed: int = 1, words: int = 20, trials: int = 50, accuracy: float = 0.6, spread: float = 0.8):
    """Simulated test trials of `words` words, each with its own true log odds around `accuracy` (SD `spread`):
    the accuracy, a 95 % Wilson interval counting trials, and a 95 % t interval counting words."""
    from scipy import stats
    from statsmodels.stats.proportion import proportion_confint

    rng = np.random.default_rng(seed)
    log_odds = np.log(accuracy / (1 - accuracy)) + rng.normal(0, spread, words)
    per_word = [rng.random(trials) < 1 / (1 + np.exp(-lo)) for lo in log_odds]
    pooled = np.concatenate(per_word)
    means = np.array([w.mean() for w in per_word])
    return {
        "accuracy": float(pooled.mean()),
        "trials": proportion_confint(int(pooled.sum()), len(pooled), method="wilson"),
        "words": stats.t.interval(0.95, words - 1, loc=means.mean(), scale=stats.sem(means)),
    }
