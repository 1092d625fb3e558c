"""Manifests for real corpora: utterances with word alignments (Praat TextGrids, as the Montreal Forced
Aligner writes them) -> one row per spoken inventory word.

`utterances.csv` columns: id, path (WAV, relative to the corpus root), speaker, lang, split, textgrid
(relative path), and optionally corpus. Images come as a CSV with the image manifest's columns.
"""

from __future__ import annotations

import os
import re
import warnings

import pandas as pd

from vgslib.sources import concepts, manifest

MIN_DURATION = 0.025  # the reference drops word segments shorter than 25 ms


class TextGridError(ValueError):
    """A TextGrid that cannot be read as written; the message names the file and where it went wrong."""


def _decode(path: str) -> str:
    """The text of a TextGrid: UTF-16 (with its byte-order mark, as Praat writes non-ASCII files) or UTF-8."""
    raw = open(path, "rb").read()
    try:
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TextGridError(f"TextGrid {path} is neither UTF-8 nor UTF-16 ({err})") from err


def read_textgrid_words(path: str, tier: str = "words") -> list[tuple[float, float, str]]:
    """(start, end, label) intervals of one tier of a long- or short-format TextGrid, read strictly: a file
    cut short, a missing or non-numeric time, or fewer intervals than the tier declares raise `TextGridError`
    naming the file, the tier and the interval."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"TextGrid {path} does not exist")
    text = _decode(path)
    if "ooTextFile" not in text:
        raise TextGridError(f"{path} is not a Praat TextGrid (no 'ooTextFile' header)")
    try:
        tiers = _long_tiers(text) if re.search(r"^\s*item\s*\[", text, re.M) else _short_tiers(text)
    except TextGridError as err:
        raise TextGridError(f"TextGrid {path}: {err}") from None
    if tier not in tiers:
        raise TextGridError(f"TextGrid {path} has no tier {tier!r}; its tiers are {sorted(tiers)}")
    return tiers[tier]


def _number(value: str, what: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise TextGridError(f"{what} is {value!r}, not a number") from None


def _long_tiers(text: str) -> dict[str, list[tuple[float, float, str]]]:
    """Long format: per tier 'name = "words"', 'intervals: size = N', then N blocks of xmin, xmax, text."""
    tiers = {}
    for block in re.split(r"^\s*item\s*\[\d+\]\s*:\s*$", text, flags=re.M)[1:]:
        name = re.search(r'name\s*=\s*"((?:[^"]|"")*)"', block)
        if name is None:
            raise TextGridError("a tier has no name")
        name = name.group(1)
        size = re.search(r"(intervals|points)\s*:\s*size\s*=\s*(\S+)", block)
        if size is None:
            raise TextGridError(f"tier {name!r} declares no size")
        if size.group(1) == "points":
            tiers[name] = []
            continue
        count = int(_number(size.group(2), f"the size of tier {name!r}"))
        parts = re.split(r"^\s*intervals\s*\[\d+\]\s*:\s*$", block, flags=re.M)[1:]
        if len(parts) != count:
            raise TextGridError(f"tier {name!r} declares {count} intervals but holds {len(parts)} (cut short?)")
        intervals = []
        for k, part in enumerate(parts, 1):
            fields = dict(re.findall(r'^\s*(xmin|xmax|text)\s*=\s*("(?:[^"]|"")*"|\S+)\s*$', part, re.M))
            missing = sorted({"xmin", "xmax", "text"} - set(fields))
            if missing or not fields["text"].startswith('"'):
                raise TextGridError(f"interval {k} of tier {name!r} lacks {missing or ['a quoted text']} (cut short?)")
            where = f"interval {k} of tier {name!r}"
            start, end = _number(fields["xmin"], f"xmin of {where}"), _number(fields["xmax"], f"xmax of {where}")
            intervals.append((start, end, fields["text"][1:-1].replace('""', '"')))
        tiers[name] = intervals
    return tiers


def _short_tiers(text: str) -> dict[str, list[tuple[float, float, str]]]:
    """Short format: a flat sequence of quoted strings and numbers."""
    tokens = re.findall(r'"((?:[^"]|"")*)"|(\S+)', text)
    values = [n if n else t.replace('""', '"') for t, n in tokens]
    if "<exists>" not in values:
        raise TextGridError("no tiers (<exists> missing)")
    i = values.index("<exists>") + 1

    def take(count: int, what: str) -> list[str]:
        nonlocal i
        if i + count > len(values):
            raise TextGridError(f"the file ends inside {what} (cut short?)")
        i += count
        return values[i - count : i]

    tiers = {}
    for t in range(int(_number(take(1, "the number of tiers")[0], "the number of tiers"))):
        kind, name, _, _, count = take(5, f"the header of tier {t + 1}")
        intervals = []
        for k in range(int(_number(count, f"the size of tier {name!r}"))):
            where = f"interval {k + 1} of tier {name!r}"
            if kind == "IntervalTier":
                a, b, label = take(3, where)
                intervals.append((_number(a, f"xmin of {where}"), _number(b, f"xmax of {where}"), label))
            else:
                take(2, f"point {k + 1} of tier {name!r}")
        tiers[name] = intervals if kind == "IntervalTier" else []
    return tiers


# Punctuation an aligner or a transcriber leaves around a word ("umbrella.", "«chien»"); inside a word it stays.
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


def normalise_label(label: str) -> str:
    """A word label as the inventory spells it: lower case, without surrounding punctuation or spaces."""
    return _EDGE_PUNCTUATION.sub("", label.strip().lower())


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
        short = []
        for k, (start, end, label) in enumerate(intervals):
            word = normalise_label(label)
            if word not in lookup:
                continue
            if end - start < MIN_DURATION:
                short.append(f"{word!r} at {start:.3f} s")
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
        if short:  # what was dropped and why, per file
            warnings.warn(
                f"{utt['textgrid']}: dropped {len(short)} inventory word(s) shorter than {1000 * MIN_DURATION:.0f} ms "
                f"(as the reference does): {', '.join(short)}",
                stacklevel=2,
            )
    audio = manifest.validate(pd.DataFrame(rows, columns=list(manifest.AUDIO_COLUMNS)), "audio", utterances_csv)
    if images_csv and os.path.exists(os.path.join(root, images_csv)):
        images = pd.read_csv(os.path.join(root, images_csv), dtype=str, keep_default_na=False)
    else:
        images = pd.DataFrame(columns=list(manifest.IMAGE_COLUMNS))
    return manifest.Manifest(root=root, audio=audio, images=manifest.validate(images, "images", str(images_csv)))
