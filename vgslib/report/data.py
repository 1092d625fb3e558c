"""The miniature world's chapter (`book/data.md`): its numbers, the corpus note, and spoken examples, read from
what `make prepare` built."""

from __future__ import annotations

import os

import pandas as pd

from vgslib.sources import concepts, manifest
from vgslib.sources.manifest import Manifest


def corpus_note(record: dict) -> str:
    """What the data chapter says first when the runs were made on an imported corpus."""
    return (
        f"```{{note}}\nThis build's runs use the corpus imported into `{record['corpus']}`, not the miniature "
        "world. The counts, speakers, recordings and pictures below are that corpus's; the text that describes "
        "how words are synthesised and pictures rendered is about the miniature world `make book` builds by "
        "default.\n```"
    )


def _per_item(table: pd.DataFrame, split: str, familiar: bool, by: list[str]) -> int:
    """The median count of `split` rows per concept of a group (and per `by`), for a corpus's counts."""
    names = concepts.FAMILIAR_NAMES if familiar else concepts.TESTED_NOVEL_NAMES
    rows = table[(table.split == split) & table.concept.isin(names)]
    return int(rows.groupby(["concept", *by]).size().median()) if len(rows) else 0


def world_numbers(m: Manifest, record: dict) -> dict:
    """The data chapter's numbers: sizes of the world and the settings that made it (for a real corpus, the same
    sizes counted from its manifest)."""
    cfg = record.get("config") or {
        "train_tokens": _per_item(m.audio, "train", True, ["lang"]),
        "novel_tokens": _per_item(m.audio, "test", False, ["lang"]),
        "train_images": _per_item(m.images, "train", True, []),
        "novel_images": _per_item(m.images, "test", False, []),
    }
    speakers = {
        f"n_speakers_{split}": int(m.audio[m.audio.split == split].groupby("lang").speaker.nunique().min())
        for split in manifest.SPLITS
    }
    return {
        "n_tokens": len(m.audio),
        "n_images": len(m.images),
        "n_speakers": m.audio.groupby("lang").speaker.nunique().min(),
        **speakers,
        "train_tokens": cfg["train_tokens"],
        "novel_tokens": cfg["novel_tokens"],
        "train_images": cfg["train_images"],
        "novel_images": cfg["novel_images"],
        "world_digest": record.get("digest") or f"imported from {os.path.basename(record['corpus'].rstrip('/'))}",
        "mean_duration": float((m.audio.end - m.audio.start).mean()),
    }


def audio_examples(m: Manifest, words=("dog", "umbrella", "butterfly"), per_word: int = 2) -> pd.DataFrame:
    """Test tokens to listen to: `per_word` speakers of each word in each language."""
    test = m.audio[m.audio.split == "test"]
    picks = [
        test[(test.lang == lang) & (test.concept == concept)].drop_duplicates("speaker").head(per_word)
        for lang in sorted(test.lang.unique())
        for concept in words
    ]
    return pd.concat(picks)
