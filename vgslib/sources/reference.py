"""Import the reference implementation's prepared data: its file lists, media, HDF5 features and test episodes
become our manifest, a data config whose encoders read those features (nothing is extracted again) and the
exact trials of its tests.

    python -m vgslib import-reference REFERENCE_FOLDER OUT_FOLDER

REFERENCE_FOLDER is the reference's working folder (`data/` and `output/` inside, layout in the "Real corpora"
chapter). OUT_FOLDER receives `audio.csv`, `images.csv` (paths point into the reference's media),
`trials.csv` (its familiar–familiar and novel–familiar episodes, when present), `reference-data.json` (for
`python -m vgslib prepare --config` and the training notebook's `data_overrides`) and `import-report.txt`.
Every inconsistency is reported by name: a file-list entry without features, a word outside the inventory, a
trial whose target and distractor share a concept, an episode naming an item no file list holds.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
from dataclasses import dataclass, field

import pandas as pd

from vgslib.atomic import write_json, write_text
from vgslib.sources import concepts, manifest

LANGS = {"english": "en", "french": "fr", "dutch": "nl"}
SPLITS = {"train": "train", "valid": "val", "test": "test"}


class ReferenceLayoutError(ValueError):
    """The reference folder lacks what the import needs; the message names the file."""


@dataclass
class Imported:
    manifest: manifest.Manifest
    trials: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    data_config: dict = field(default_factory=dict)


def _json(path: str) -> list[dict]:
    if not os.path.exists(path):
        raise ReferenceLayoutError(f"{path} does not exist (is this the reference's working folder?)")
    with open(path) as f:
        try:
            records = json.load(f)
        except json.JSONDecodeError as err:
            raise ReferenceLayoutError(f"{path} is not valid JSON: {err}") from None
    if not isinstance(records, list):
        raise ReferenceLayoutError(f"{path} holds a {type(records).__name__}, expected a list of records")
    return records


def _field(record, *keys: str, where: str):
    """`record[keys[0]][keys[1]]...`, or a ReferenceLayoutError naming the file, the record and the key."""
    value = record
    for depth, key in enumerate(keys):
        if not isinstance(value, dict) or key not in value:
            raise ReferenceLayoutError(f"{where} has no {'/'.join(keys[: depth + 1])!r} (the record: {record})")
        value = value[key]
    return value


def feature_names(folder: str) -> dict[tuple[str, str], set[str]]:
    """(split, lang or "") -> the item names of the HDF5 feature files in `folder`."""
    import h5py

    out: dict[tuple[str, str], set[str]] = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.h5"))):
        parts = os.path.basename(path).split("-")
        split = next((SPLITS[p] for p in parts if p in SPLITS), "")
        lang = next((LANGS[p] for p in parts if p in LANGS), "")
        try:
            with h5py.File(path, "r") as f:
                out.setdefault((split, lang), set()).update(f.keys())
        except OSError as err:
            raise ReferenceLayoutError(f"{path} cannot be read as HDF5 (truncated?): {err}") from None
    return out


def _substituted(concept: str) -> str:
    if concept in concepts.SUBSTITUTIONS:
        ours, why = concepts.SUBSTITUTIONS[concept]
        return f" (the inventory has {ours!r} instead: {why})"
    return ""


def _word_of(name: str) -> str:
    """A media file's word: the first `_`-separated part of its name."""
    return name.split("_", 1)[0].lower()


def _token(word: str) -> str:
    """A word as file names write it: lower case, without hyphens or spaces ("cerf-volant" -> "cerfvolant")."""
    return str(word).strip().lower().replace("-", "").replace(" ", "")


def import_reference(ref: str, out: str) -> Imported:
    data, problems = os.path.join(ref, "data"), []
    inventory = set(concepts.FAMILIAR_NAMES) | set(concepts.NOVEL_NAMES)
    table_path = os.path.join(data, "concepts.csv")
    if not os.path.exists(table_path):
        raise ReferenceLayoutError(f"{table_path} does not exist (is this the reference's working folder?)")
    table = pd.read_csv(table_path, header=None, names=["en", "nl", "fr"], dtype=str).fillna("")
    for word in sorted(set(table.en.str.strip()) - inventory):
        problems.append(f"concepts.csv: {word!r} is not a concept of the inventory{_substituted(word)}")
    # What each concept is called in each language, as the reference's file names spell it.
    said = {(lang, row["en"].strip()): _token(row[lang]) for row in table.to_dict("records") for lang in table}
    audio_features = feature_names(os.path.join(ref, "output", "features-audio"))
    image_features = feature_names(os.path.join(ref, "output", "features-image"))
    audio_rows, image_rows = [], []
    excluded: dict[str, str] = {}  # item id -> why the import left it out (the episodes that name it say so)

    def exclude(item: str, where: str, why: str) -> None:
        problems.append(f"{where}: {why}")
        excluded[item] = why

    for ref_split, split in SPLITS.items():
        listing = f"audio-{ref_split}-3.json"
        for k, rec in enumerate(_json(os.path.join(data, "filelists", listing))):
            record = f"{listing}, record {k}"
            name, concept = _field(rec, "name", where=record), _field(rec, "word-en", where=record)
            ref_lang = _field(rec, "lang", where=record)
            lang = LANGS.get(ref_lang)
            where = f"{listing}: {name!r}"
            if lang is None:
                problems.append(f"{where}: unknown language {ref_lang!r}")
                continue
            item = f"{lang}-{name}"
            if concept not in inventory:
                exclude(item, where, f"word {concept!r} is not in the inventory{_substituted(concept)}")
                continue
            if name not in audio_features.get((split, lang), set()):
                exclude(item, where, f"no features in the {split} {lang} feature file")
                continue
            if (lang, concept) in said and _token(_word_of(name)) != said[(lang, concept)]:
                exclude(item, where, f"the file says {_word_of(name)!r}, concepts.csv's {lang} word for "
                                     f"{concept!r} is {said[(lang, concept)]!r}")  # fmt: skip
                continue
            wav = os.path.join(data, f"{rec['lang']}_words", f"{name}.wav")
            audio_rows.append({"id": f"{lang}-{name}", "concept": concept, "word": _word_of(name), "lang": lang,
                               "speaker": "unknown", "split": split, "path": os.path.relpath(wav, out),
                               "start": 0.0, "end": _duration(wav), "corpus": "reference"})  # fmt: skip
        listing = f"image-{ref_split}.json"
        for k, rec in enumerate(_json(os.path.join(data, "filelists", listing))):
            record = f"{listing}, record {k}"
            name, concept = _field(rec, "name", where=record), _field(rec, "word-en", where=record)
            where = f"{listing}: {name!r}"
            if concept not in inventory:
                exclude(name, where, f"word {concept!r} is not in the inventory{_substituted(concept)}")
                continue
            if name not in image_features.get((split, ""), set()):
                exclude(name, where, f"no features in the {split} image feature file")
                continue
            image_rows.append({"id": name, "concept": concept, "split": split, "source": rec.get("source", "reference"),
                               "path": os.path.relpath(os.path.join(data, "images", f"{name}.jpg"), out)})  # fmt: skip
    audio = manifest.validate(pd.DataFrame(audio_rows, columns=list(manifest.AUDIO_COLUMNS)), "audio", "reference")
    images = manifest.validate(pd.DataFrame(image_rows, columns=list(manifest.IMAGE_COLUMNS)), "images", "reference")
    m = manifest.Manifest(root=out, audio=audio, images=images)
    trials = episodes(data, m, problems, excluded)
    features = os.path.abspath(os.path.join(ref, "output"))
    cfg = {
        "corpus": os.path.abspath(out),
        "audio_encoder": {"kind": "precomputed-audio", "path": os.path.join(features, "features-audio")},
        "image_encoder": {"kind": "precomputed-image", "path": os.path.join(features, "features-image")},
    }
    return Imported(manifest=m, trials=trials, problems=problems, data_config=cfg)


def _duration(wav: str) -> float:
    """A recording's length (its header), or a nominal 1 s where the WAV is absent (features suffice)."""
    import soundfile as sf

    return float(sf.info(wav).duration) if os.path.exists(wav) else 1.0


def episodes(data: str, m: manifest.Manifest, problems: list[str], excluded: dict[str, str] | None = None):
    """The reference's test episodes as our trials table (familiar–familiar -> ff, novel–familiar -> nf).

    An episode naming an item the import left out (`excluded`: item id -> why) says why; one naming an item no
    file list holds at all says that."""
    excluded = excluded or {}
    audio_table, images = m.audio.set_index("id"), m.images.set_index("id")
    audio_ids = set(audio_table.index)
    rows = []
    for path in sorted(glob.glob(os.path.join(data, "filelists", "*-test.json"))):
        base = os.path.basename(path)
        kind = "ff" if base.startswith("familiar-familiar-") else "nf" if base.startswith("novel-familiar-") else ""
        if not kind:
            continue
        for k, ep in enumerate(_json(path)):
            where = f"{base}, episode {k}"
            ref_lang = _field(ep, "audio", "lang", where=where)
            lang = LANGS.get(ref_lang, ref_lang)
            audio_id = f"{lang}-{_field(ep, 'audio', 'name', where=where)}"
            pos, neg = _field(ep, "image-pos", "name", where=where), _field(ep, "image-neg", "name", where=where)
            missing = [n for n in (audio_id,) if n not in audio_ids] + [n for n in (pos, neg) if n not in images.index]
            left_out = {n: excluded[n] for n in missing if n in excluded}
            unknown = [n for n in missing if n not in excluded]
            if left_out:
                why = "; ".join(f"{n!r}: {reason}" for n, reason in left_out.items())
                problems.append(f"{where}: names items the import left out ({why})")
            if unknown:
                problems.append(f"{where}: names items no file list holds ({unknown})")
            if missing:
                continue
            if images.concept[pos] == images.concept[neg]:
                problems.append(f"{where}: target and distractor share the concept {images.concept[pos]!r}")
                continue
            audio = audio_table.loc[audio_id]
            rows.append({"test": kind, "lang": lang, "audio_id": audio_id, "word": audio.word, "concept": audio.concept,
                         "target_id": pos, "distractor_id": neg, "distractor_concept": images.concept[neg],
                         "source": images.source[pos]})  # fmt: skip
    return pd.DataFrame(rows)


def write(imported: Imported, out: str) -> None:
    os.makedirs(out, exist_ok=True)
    manifest.save(imported.manifest)
    if len(imported.trials):
        write_text(os.path.join(out, "trials.csv"), imported.trials.to_csv(index=False))
    write_json(os.path.join(out, "reference-data.json"), imported.data_config)
    report = "\n".join(imported.problems) or "no problems"
    write_text(os.path.join(out, "import-report.txt"), report + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vgslib import-reference", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("reference", help="the reference implementation's working folder (data/, output/)")
    parser.add_argument("out", help="the corpus folder to write")
    args = parser.parse_args(argv)
    try:
        imported = import_reference(args.reference, args.out)
    except ReferenceLayoutError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    write(imported, args.out)
    m = imported.manifest
    print(f"{len(m.audio)} spoken words, {len(m.images)} pictures, {len(imported.trials)} trials -> {args.out}")
    for problem in imported.problems:
        print("PROBLEM", problem)
    print(
        f"{len(imported.problems)} problem(s); next: python -m vgslib prepare --config {args.out}/reference-data.json"
    )
    return 0
