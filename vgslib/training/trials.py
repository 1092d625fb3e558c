"""Test trials (protocol §6), generated once from a fixed seed from the test split only.

Each trial is a spoken test word and two test pictures of the same pictogram source:
- ff (familiar–familiar): a familiar word; its concept's picture vs another familiar concept's;
- nf (novel–familiar, the ME test): a novel word; its concept's picture vs a familiar concept's;
- nn (novel–novel): a novel word; its concept's picture vs another novel concept's;
- fn (familiar–novel control): a familiar word; its concept's picture vs a novel concept's — shows whether a
  model simply prefers or avoids novel pictures;
- hub (the hub control): a familiar word; a novel concept's picture vs *another* familiar concept's picture —
  neither is the word's own. Above 50 %, novel pictures attract any word more than wrong familiar ones (they
  are "hubs"), a pull that alone lifts NF above 50 % without any mapping of novel words to novel objects.
The target is the picture of the word's concept, except in `hub`, whose target is the novel picture (it has no
right answer: its accuracy is the share of trials where the novel picture wins); `target_concept` names it.
`correct` means the target scored at least as high as the distractor (a tie counts as correct, as in the reference).
"""

from __future__ import annotations

import os
import zlib

import numpy as np
import pandas as pd

from vgslib import paths
from vgslib.atomic import atomic_path
from vgslib.config import stable_hash
from vgslib.encoders.features import rows_key
from vgslib.encoders.prepare import StudyData
from vgslib.sources import concepts
from vgslib.sources.manifest import Manifest

TRIALS_PER_WORD = 50
TRIALS_VERSION = 3  # bump when generation changes (2: a random stream per test; 3: the hub control), so stored
# trials are redone; each test draws from its own stream, so adding a test leaves the others' trials as they were
HUB = "hub"  # a familiar word: a novel picture (the "target") vs another familiar concept's picture
TESTS = {**concepts.TEST_GROUPS, HUB: ("familiar", "familiar")}  # test -> (word group, distractor group)


def _stream(name: str) -> int:
    """A random stream per language and test. (A sum of character codes, as before, gave "nf" and "fn" the
    same stream: their trials drew the same tokens and pictures.)"""
    return zlib.crc32(name.encode())


def _group(name: str, familiar: tuple[str, ...] = concepts.FAMILIAR_NAMES) -> tuple[str, ...]:
    return familiar if name == "familiar" else concepts.TESTED_NOVEL_NAMES


def generate(
    m: Manifest,
    langs: list[str] | tuple[str, ...],
    seed: int = 0,
    per_word: int = TRIALS_PER_WORD,
    split: str = "test",
    tests: tuple[str, ...] = tuple(TESTS),
    familiar: tuple[str, ...] = concepts.FAMILIAR_NAMES,
) -> pd.DataFrame:
    """All trials of `tests` for the languages, from `split`; the same manifest and seed give the same table.
    (`split="val", tests=("ff",)`: the familiar-familiar trials of the validation split, which settings are
    chosen on; `familiar`: a run's own vocabulary, for those.)"""
    audio = m.audio[m.audio.split == split]
    images = m.images[m.images.split == split]
    rows = []
    for lang in langs:
        concepts.check_language(lang)
        for test in tests:
            word_group, distractor_group = TESTS[test]
            rng = np.random.default_rng([seed, _stream(lang), _stream(test)])
            for concept in _group(word_group, familiar):
                tokens = audio[(audio.lang == lang) & (audio.concept == concept)]
                target_group = concepts.TESTED_NOVEL_NAMES if test == HUB else (concept,)
                targets = images[images.concept.isin(target_group)]
                if tokens.empty or targets.empty:
                    missing = "audio in " + lang if tokens.empty else "pictures"
                    raise ValueError(f"no {split} {missing} for {concept!r}")
                others = images[images.concept.isin([c for c in _group(distractor_group, familiar) if c != concept])]
                for _ in range(per_word):
                    token = tokens.iloc[rng.integers(len(tokens))]
                    target = targets.iloc[rng.integers(len(targets))]
                    same_source = others[others.source == target.source]
                    if same_source.empty:
                        raise ValueError(f"no {distractor_group} {split} picture from {target.source} for {concept!r}")
                    distractor = same_source.iloc[rng.integers(len(same_source))]
                    rows.append(
                        {
                            "test": test,
                            "lang": lang,
                            "audio_id": token.id,
                            "word": token.word,
                            "concept": concept,
                            "target_id": target.id,
                            "target_concept": target.concept,
                            "distractor_id": distractor.id,
                            "distractor_concept": distractor.concept,
                            "source": target.source,
                        }
                    )
    return pd.DataFrame(rows)


IMPORTED = "trials.csv"  # a corpus folder's own trials (the reference's test episodes), used as they are


def stored(data: StudyData, seed: int) -> pd.DataFrame:
    """The trials of every language of the corpus, generated once per (test split, seed) and stored; a corpus
    that ships its own trials (`trials.csv` beside its manifest, e.g. the reference's episodes) uses those."""
    imported = os.path.join(data.manifest.root, IMPORTED)
    if os.path.exists(imported):
        return pd.read_csv(imported, dtype={"audio_id": str, "target_id": str, "distractor_id": str})
    test = data.manifest.select("audio", "test")
    key = stable_hash([rows_key(test), rows_key(data.manifest.select("images", "test")), seed, TRIALS_VERSION])
    path = os.path.join(paths.data_root(), "trials", f"trials-{key}.csv")
    if os.path.exists(path):
        return pd.read_csv(path)
    table = generate(data.manifest, sorted(set(test.lang)), seed=seed)
    with atomic_path(path) as tmp:  # several runs may generate the same trials at once
        table.to_csv(tmp, index=False)
    return table


def score(
    trials: pd.DataFrame,
    audio_emb: dict[str, np.ndarray],
    image_emb: np.ndarray,
    image_index: dict[str, int],
    audio_index: dict[str, dict[str, int]],
) -> pd.DataFrame:
    """Vectorised: per language, gather the embeddings of every trial and compare two dot products.

    audio_emb: lang -> (N_lang, E) unit vectors; audio_index: lang -> id -> row; image_emb (M, E).
    """
    out = []
    for lang, part in trials.groupby("lang", sort=False):
        a = audio_emb[lang][part["audio_id"].map(audio_index[lang]).to_numpy()]  # (n, E)
        t = image_emb[part["target_id"].map(image_index).to_numpy()]  # (n, E)
        d = image_emb[part["distractor_id"].map(image_index).to_numpy()]  # (n, E)
        st, sd = (a * t).sum(1), (a * d).sum(1)
        out.append(part.assign(target_score=st, distractor_score=sd, correct=st >= sd))  # a tie counts as correct
    return pd.concat(out).loc[trials.index]


def score_naive(trials: pd.DataFrame, audio_emb, image_emb, image_index, audio_index) -> pd.DataFrame:
    """A per-trial loop, the reference implementation `score` is tested against."""
    correct, st, sd = [], [], []
    for r in trials.itertuples():
        a = audio_emb[r.lang][audio_index[r.lang][r.audio_id]]
        t_score = float(np.dot(a, image_emb[image_index[r.target_id]]))
        d_score = float(np.dot(a, image_emb[image_index[r.distractor_id]]))
        st.append(t_score)
        sd.append(d_score)
        correct.append(t_score >= d_score)
    return trials.assign(target_score=st, distractor_score=sd, correct=correct)


def accuracy(scored: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per test and language."""
    return scored.groupby(["test", "lang"], sort=False)["correct"].mean().rename("accuracy").reset_index()
