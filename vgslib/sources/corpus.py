"""Manifests for real corpora: utterances with word alignments (Praat TextGrids, as the Montreal Forced
Aligner writes them) -> one row per spoken inventory word.

`utterances.csv` columns: id, path (WAV, relative to the corpus root), speaker, lang, split, textgrid
(relative path), and optionally corpus. Images come as a CSV with the image manifest's columns.
"""

from __future__ import annotations

import os
import re

import pandas as pd

from vgslib.sources import concepts, manifest

MIN_DURATION = 0.025  # the reference drops word segments shorter than 25 ms


def read_textgrid_words(path: str, tier: str = "words") -> list[tuple[float, float, str]]:
    """(start, end, label) intervals of one tier of a long- or short-format TextGrid."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"TextGrid {path} does not exist")
    with open(path, encoding="utf-8-sig") as f:
        text = f.read()
    if "ooTextFile" not in text:
        raise ValueError(f"{path} is not a Praat TextGrid (no 'ooTextFile' header)")
    tiers = _split_tiers(text)
    if tier not in tiers:
        raise ValueError(f"TextGrid {path} has no tier {tier!r}; its tiers are {sorted(tiers)}")
    return tiers[tier]


def _split_tiers(text: str) -> dict[str, list[tuple[float, float, str]]]:
    # Long format: 'name = "words"' then 'xmin = .. xmax = .. text = ".."' per interval.
    if re.search(r"^\s*item\s*\[", text, re.M):
        tiers = {}
        for block in re.split(r"^\s*item\s*\[\d+\]\s*:\s*$", text, flags=re.M)[1:]:
            name = re.search(r'name\s*=\s*"((?:[^"]|"")*)"', block).group(1)
            intervals = re.findall(
                r'xmin\s*=\s*([-\d.eE+]+)\s*xmax\s*=\s*([-\d.eE+]+)\s*text\s*=\s*"((?:[^"]|"")*)"', block
            )
            tiers[name] = [(float(a), float(b), t.replace('""', '"')) for a, b, t in intervals]
        return tiers
    # Short format: a flat sequence of tokens.
    tokens = re.findall(r'"((?:[^"]|"")*)"|(<exists>|-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)', text)
    values = [t if t else n for t, n in tokens]
    values = [v.replace('""', '"') for v in values]
    tiers, i = {}, values.index("<exists>") + 2
    num_tiers = int(float(values[i - 1]))
    for _ in range(num_tiers):
        kind, name, _, _, count = values[i], values[i + 1], values[i + 2], values[i + 3], int(float(values[i + 4]))
        i += 5
        intervals = []
        for _ in range(count):
            if kind == "IntervalTier":
                intervals.append((float(values[i]), float(values[i + 1]), values[i + 2]))
                i += 3
            else:
                i += 2
        tiers[name] = intervals
    return tiers


def import_aligned(
    root: str, utterances_csv: str = "utterances.csv", images_csv: str | None = "images.csv", tier: str = "words"
) -> manifest.Manifest:
    """Build a manifest of every inventory word found in the aligned utterances under `root`."""
    table = pd.read_csv(os.path.join(root, utterances_csv), dtype=str, keep_default_na=False)
    needed = ["id", "path", "speaker", "lang", "split", "textgrid"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise manifest.ManifestError(f"{utterances_csv}: missing column(s) {missing}")
    rows = []
    for _, utt in table.iterrows():
        lookup = concepts.word_to_concept(utt["lang"])
        intervals = read_textgrid_words(os.path.join(root, utt["textgrid"]), tier)
        for k, (start, end, label) in enumerate(intervals):
            word = label.strip().lower()
            if word not in lookup or end - start < MIN_DURATION:
                continue
            rows.append(
                {
                    "id": f"{utt['id']}-{k:03d}",
                    "concept": lookup[word],
                    "word": word,
                    "lang": utt["lang"],
                    "speaker": utt["speaker"],
                    "split": utt["split"],
                    "path": utt["path"],
                    "start": start,
                    "end": end,
                    "corpus": utt.get("corpus") or os.path.basename(os.path.normpath(root)),
                }
            )
    audio = manifest.validate(pd.DataFrame(rows, columns=list(manifest.AUDIO_COLUMNS)), "audio", utterances_csv)
    if images_csv and os.path.exists(os.path.join(root, images_csv)):
        images = pd.read_csv(os.path.join(root, images_csv), dtype=str, keep_default_na=False)
    else:
        images = pd.DataFrame(columns=list(manifest.IMAGE_COLUMNS))
    return manifest.Manifest(root=root, audio=audio, images=manifest.validate(images, "images", str(images_csv)))
