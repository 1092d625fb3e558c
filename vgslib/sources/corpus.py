"""Manifests for real corpora: utterances with word alignments -> one row per spoken inventory word.

Alignments are read in three formats, chosen by the file's extension: Praat TextGrids (`.TextGrid`, as the
Montreal Forced Aligner writes them), CTM (`.ctm`: `utterance channel start duration word [confidence]`, one
file for many utterances, as shipped with the Flickr Audio Caption Corpus) and word files (`.wrd`: `start end
word` in samples at 16 kHz, as TIMIT ships them).

`utterances.csv` columns: id, path (WAV, relative to the corpus root), speaker, lang, split, an alignment
file (relative path) in a column `alignment` (or `textgrid`), optionally `alignment_id` (the utterance's
name inside a CTM file; default: id) and corpus. Images come as a CSV with the image manifest's columns.
"""

from __future__ import annotations

import logging
import os
import re

import pandas as pd

from vgslib.sources import concepts, manifest

log = logging.getLogger(__name__)  # what an import drops: shown also where warnings are filtered out

MIN_DURATION = 0.025  # the reference drops word segments shorter than 25 ms


class AlignmentError(ValueError):
    """An alignment file that cannot be read as written; the message names the file and where it went wrong."""


class TextGridError(AlignmentError):
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


def write_textgrid(path: str, words: list[tuple[float, float, str]], xmax: float, tier: str = "words") -> str:
    """A long-format TextGrid of one interval tier, the gaps between `words` filled with empty intervals (as
    Praat requires), ending at `xmax` seconds; written atomically."""
    from vgslib.atomic import write_text

    intervals, t = [], 0.0
    for start, end, label in sorted(words):
        if start > t:
            intervals.append((t, start, ""))
        intervals.append((start, end, label))
        t = end
    if xmax > t:
        intervals.append((t, xmax, ""))
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0", f"xmax = {xmax}",
             "tiers? <exists>", "size = 1", "item []:", "    item [1]:", '        class = "IntervalTier"',
             f'        name = "{tier}"', "        xmin = 0", f"        xmax = {xmax}",
             f"        intervals: size = {len(intervals)}"]  # fmt: skip
    for i, (a, b, text) in enumerate(intervals, 1):
        lines += [f"        intervals [{i}]:", f"            xmin = {a}", f"            xmax = {b}",
                  '            text = "' + text.replace('"', '""') + '"']  # fmt: skip
    write_text(path, "\n".join(lines) + "\n")
    return path


def read_ctm(path: str) -> dict[str, list[tuple[float, float, str]]]:
    """utterance -> (start, end, word) of a CTM file (`utt channel start duration word [confidence]`; lines
    starting with ';;' are comments). A malformed line raises `AlignmentError` naming the file and line."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"CTM file {path} does not exist")
    out: dict[str, list[tuple[float, float, str]]] = {}
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        fields = line.split()
        if not fields or fields[0].startswith(";;"):
            continue
        where = f"CTM {path}, line {number}"
        if len(fields) not in (5, 6):
            raise AlignmentError(f"{where}: {len(fields)} fields, expected utterance channel start duration word")
        start, duration = _number(fields[2], f"{where}: the start"), _number(fields[3], f"{where}: the duration")
        if start < 0 or duration < 0:
            raise AlignmentError(f"{where}: a negative start or duration ({start}, {duration})")
        out.setdefault(fields[0], []).append((start, start + duration, fields[4]))
    return out


def read_wrd(path: str, sample_rate: int = 16_000) -> list[tuple[float, float, str]]:
    """(start, end, word) of a word file (`start end word`, in samples at `sample_rate`, as TIMIT's `.wrd`)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"word file {path} does not exist")
    out = []
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        fields = line.split()
        if not fields:
            continue
        where = f"word file {path}, line {number}"
        if len(fields) != 3:
            raise AlignmentError(f"{where}: {len(fields)} fields, expected start end word (in samples)")
        start, end = _number(fields[0], f"{where}: the start"), _number(fields[1], f"{where}: the end")
        if not 0 <= start <= end:
            raise AlignmentError(f"{where}: the segment {fields[0]}-{fields[1]} is not a forward interval")
        out.append((start / sample_rate, end / sample_rate, fields[2]))
    return out


def read_alignment(path: str, utterance: str = "", tier: str = "words", _ctm_cache: dict | None = None):
    """The (start, end, word) intervals of one utterance, in the format the file's extension names."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".textgrid":
        return read_textgrid_words(path, tier)
    if ext == ".wrd":
        return read_wrd(path)
    if ext == ".ctm":
        cache = _ctm_cache if _ctm_cache is not None else {}
        if path not in cache:
            cache[path] = read_ctm(path)
        if utterance not in cache[path]:
            raise AlignmentError(f"CTM {path} has no utterance {utterance!r}")
        return cache[path][utterance]
    raise AlignmentError(f"{path}: unknown alignment format {ext!r}; known: .TextGrid, .ctm, .wrd")


def check_within_audio(wav: str, intervals: list[tuple[float, float, str]], where: str, slack: float = 0.01) -> None:
    """An alignment that reaches past the end of its recording (by more than `slack` seconds) is an error naming
    the alignment, the word and both times: it belongs to another file, or the file is cut short."""
    import soundfile as sf

    if not os.path.exists(wav):
        raise FileNotFoundError(f"{where}: its recording {wav} does not exist")
    duration = sf.info(wav).duration
    for _, end, label in intervals:
        if end > duration + slack:
            raise AlignmentError(f"{where}: {label!r} ends at {end:.3f} s, after the end of {wav} ({duration:.3f} s)")


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
    if "alignment" not in table.columns and "textgrid" in table.columns:
        table = table.rename(columns={"textgrid": "alignment"})
    needed = ["id", "path", "speaker", "lang", "split", "alignment"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise manifest.ManifestError(f"{utterances_csv}: missing column(s) {missing}")
    rows, ctm_cache = [], {}
    for _, utt in table.iterrows():
        lookup = concepts.word_to_concept(utt["lang"])
        name = utt.get("alignment_id") or utt["id"]
        intervals = read_alignment(os.path.join(root, utt["alignment"]), name, tier, ctm_cache)
        check_within_audio(os.path.join(root, utt["path"]), intervals, f"{utt['alignment']} ({name})")
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
            log.warning(
                "%s: dropped %d inventory word(s) shorter than %.0f ms (as the reference does): %s",
                utt["alignment"], len(short), 1000 * MIN_DURATION, ", ".join(short),
            )  # fmt: skip
    audio = manifest.validate(pd.DataFrame(rows, columns=list(manifest.AUDIO_COLUMNS)), "audio", utterances_csv)
    if images_csv and os.path.exists(os.path.join(root, images_csv)):
        images = pd.read_csv(os.path.join(root, images_csv), dtype=str, keep_default_na=False)
    else:
        images = pd.DataFrame(columns=list(manifest.IMAGE_COLUMNS))
    return manifest.Manifest(root=root, audio=audio, images=manifest.validate(images, "images", str(images_csv)))
