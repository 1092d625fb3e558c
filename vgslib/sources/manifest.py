"""One manifest schema for spoken word tokens and images, whatever corpus they come from.

Audio: one row per spoken word token (lhotse-style provenance: recording path, start, end, speaker).
Images: one row per picture, with the `source` the tests use for same-source distractors.
Paths are relative to the manifest's root folder. Every loader validates; errors name the row at fault.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from vgslib.atomic import atomic_path
from vgslib.sources import concepts

AUDIO_COLUMNS = {
    "id": str,
    "concept": str,
    "word": str,
    "lang": str,
    "speaker": str,
    "split": str,
    "path": str,
    "start": float,
    "end": float,
    "corpus": str,
}
IMAGE_COLUMNS = {"id": str, "concept": str, "split": str, "source": str, "path": str}
SPLITS = ("train", "val", "test")


class ManifestError(ValueError):
    """A manifest is malformed; the message names the file, row and value at fault."""


@dataclass(frozen=True)
class Manifest:
    """The audio and image tables of one corpus, with paths relative to `root`."""

    root: str
    audio: pd.DataFrame
    images: pd.DataFrame

    def path(self, relative: str) -> str:
        return os.path.normpath(os.path.join(self.root, relative))  # "../" resolved even before root exists

    def select(
        self, kind: str, split: str | None = None, familiar: bool | None = None, lang: str | None = None
    ) -> pd.DataFrame:
        """Rows of `kind` ('audio' or 'images') filtered by split, familiarity and language."""
        table = {"audio": self.audio, "images": self.images}[kind]
        keep = pd.Series(True, index=table.index)
        if split is not None:
            keep &= table["split"] == split
        if familiar is not None:
            keep &= table["concept"].isin(concepts.FAMILIAR_NAMES if familiar else concepts.NOVEL_NAMES)
        if lang is not None:
            keep &= table["lang"] == concepts.check_language(lang)
        return table[keep].reset_index(drop=True)


def validate(table: pd.DataFrame, kind: str, where: str = "manifest") -> pd.DataFrame:
    """Check columns, types and values; return the table with canonical column order and dtypes."""
    columns = {"audio": AUDIO_COLUMNS, "images": IMAGE_COLUMNS}[kind]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ManifestError(f"{where}: missing column(s) {missing}")
    table = table[list(columns)].copy()
    for col, tp in columns.items():
        if table[col].isna().any():
            row = int(table.index[table[col].isna()][0])
            raise ManifestError(f"{where}: row {row} has no value in column {col!r}")
        try:
            table[col] = table[col].astype(tp)
        except (TypeError, ValueError) as err:
            raise ManifestError(f"{where}: column {col!r} is not {tp.__name__}: {err}") from None
    dup = table[table["id"].duplicated()]
    if len(dup):
        raise ManifestError(f"{where}: duplicate id {dup['id'].iloc[0]!r}")
    _check_in(table, "concept", concepts.KNOWN, where)
    _check_in(table, "split", SPLITS, where)
    if kind == "audio":
        _check_in(table, "lang", concepts.ALL_LANGUAGES, where)
        bad = table[~(table["end"] > table["start"]) | (table["start"] < 0)]
        if len(bad):
            r = bad.iloc[0]
            raise ManifestError(f"{where}: token {r['id']!r} has start {r['start']} and end {r['end']}")
        # Words built here are the inventory's by construction; an imported corpus says its own (the reference's
        # translations of the novel words differ from this project's), which its importer checks.
        built = table[table["corpus"] == "miniature"]
        expected = [concepts.KNOWN[c].words[lang].lower() for c, lang in zip(built["concept"], built["lang"])]
        wrong = built[built["word"].str.lower().to_numpy() != pd.Series(expected, dtype=str).to_numpy()]
        if len(wrong):
            r = wrong.iloc[0]
            raise ManifestError(
                f"{where}: token {r['id']!r} says word {r['word']!r} for concept {r['concept']!r} in {r['lang']!r}"
            )
    return table.reset_index(drop=True)


def _check_in(table, col, allowed, where):
    bad = table[~table[col].isin(list(allowed))]
    if len(bad):
        raise ManifestError(
            f"{where}: row {int(bad.index[0])} has unknown {col} {bad[col].iloc[0]!r}; "
            f"expected one of {sorted(allowed)}"
        )


def save(manifest: Manifest) -> None:
    """Write `audio.csv` and `images.csv` into the manifest's root (deterministic bytes)."""
    for name, table in (("audio", manifest.audio), ("images", manifest.images)):
        with atomic_path(os.path.join(manifest.root, f"{name}.csv")) as tmp:
            table.to_csv(tmp, index=False, float_format="%.4f", lineterminator="\n")


def load(root: str) -> Manifest:
    """Read and validate the manifest in `root`."""
    tables = {}
    for name in ("audio", "images"):
        path = os.path.join(root, f"{name}.csv")
        if not os.path.exists(path):
            raise FileNotFoundError(f"manifest file {path} does not exist; build the corpus first")
        tables[name] = validate(pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]), name, path)
    return Manifest(root=root, audio=tables["audio"], images=tables["images"])


def counts(manifest: Manifest) -> pd.DataFrame:
    """Tokens and images per split, language and concept group, as a tidy table for the book."""
    audio = manifest.audio.assign(
        group=manifest.audio["concept"].map(lambda c: "familiar" if concepts.KNOWN[c].familiar else "novel")
    )
    images = manifest.images.assign(
        group=manifest.images["concept"].map(lambda c: "familiar" if concepts.KNOWN[c].familiar else "novel"),
        lang="(images)",
    )
    parts = [
        audio.groupby(["split", "group", "lang"]).size().rename("audio tokens"),
        images.groupby(["split", "group", "lang"]).size().rename("images"),
    ]
    return pd.concat(parts, axis=1).fillna(0).astype(int).reset_index()
