"""`python -m vgslib check-corpus FOLDER`: validate a real corpus before anything heavy runs.

The folder holds a manifest (`audio.csv`, `images.csv`) or aligned utterances (`utterances.csv`, see
`vgslib.sources.corpus`). The check reads every recording's header and every picture's size, and reports:

- errors (the run would fail or be wrong): a missing or unreadable file, a recording that is not 16 kHz mono,
  a segment outside its recording, duplicate ids or duplicate segments, a familiar word with no training
  tokens in a language that has any;
- warnings (the study would differ from the paper's): fewer validation or test tokens or pictures than the
  paper's 10 per familiar word and class, novel concepts without test tokens or pictures;
- counts per split, language and word beside the paper's.

It exits with 1 when there are errors, so a script can stop before feature extraction.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

import pandas as pd

from vgslib.sources import concepts, corpus, manifest

SAMPLE_RATE = 16_000
# The paper's data (protocol §3): per familiar word and language / per familiar class.
PAPER = {"val tokens": 10, "test tokens": 10, "val images": 10, "test images": 10}


@dataclass
class Report:
    counts: pd.DataFrame  # tokens per split, language, group and word
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"]
        lines += [f"ERROR   {e}" for e in self.errors] + [f"WARNING {w}" for w in self.warnings]
        if self.counts.empty:
            return "\n".join(lines)
        summary = self.counts.groupby(["split", "lang", "group"]).tokens.sum().unstack("lang", fill_value=0)
        return "\n".join(lines) + "\n\ntokens per split and group:\n" + summary.to_string()


def load(folder: str) -> manifest.Manifest:
    """The folder's manifest, or the one its aligned utterances make."""
    if os.path.exists(os.path.join(folder, "audio.csv")):
        return manifest.load(folder)
    if os.path.exists(os.path.join(folder, "utterances.csv")):
        return corpus.import_aligned(folder)
    raise FileNotFoundError(f"{folder} holds neither a manifest (audio.csv) nor aligned utterances (utterances.csv)")


def check_files(m: manifest.Manifest) -> list[str]:
    """Every recording: present, readable, 16 kHz, mono, and long enough for its segments; every picture
    present and readable."""
    import soundfile as sf
    from PIL import Image

    errors = []
    for path, rows in m.audio.groupby("path"):
        full = m.path(path)
        if not os.path.exists(full):
            errors.append(f"{path}: recording missing ({len(rows)} token(s))")
            continue
        try:
            info = sf.info(full)
        except (RuntimeError, sf.LibsndfileError) as err:
            errors.append(f"{path}: unreadable recording ({err})")
            continue
        if info.samplerate != SAMPLE_RATE:
            errors.append(f"{path}: {info.samplerate} Hz, the encoders expect {SAMPLE_RATE}")
        if info.channels != 1:
            errors.append(f"{path}: {info.channels} channels, expected mono")
        late = rows[rows.end > info.duration + 0.01]
        for r in late.itertuples():
            errors.append(f"{path}: token {r.id} ends at {r.end:.3f} s, after the recording ({info.duration:.3f} s)")
    for r in m.images.itertuples():
        try:
            with Image.open(m.path(r.path)) as im:
                im.verify()
        except FileNotFoundError:
            errors.append(f"{r.path}: picture missing (image {r.id})")
        except Exception as err:  # PIL raises many kinds for a damaged file
            errors.append(f"{r.path}: unreadable picture (image {r.id}: {err})")
    return errors


def check_duplicates(m: manifest.Manifest) -> list[str]:
    errors = []
    for kind, table, keys in (("audio", m.audio, ["path", "start", "end"]), ("images", m.images, ["path"])):
        ids = table.id[table.id.duplicated()]
        if len(ids):
            errors.append(f"{kind}: duplicate id(s) {sorted(set(ids))[:10]}")
        same = table[table.duplicated(keys, keep=False)]
        if len(same):
            errors.append(f"{kind}: {len(same)} rows share a {'/'.join(keys)} (first: {same.id.iloc[0]})")
    return errors


def word_counts(m: manifest.Manifest) -> pd.DataFrame:
    audio = m.audio.assign(group=m.audio.concept.isin(concepts.FAMILIAR_NAMES).map({True: "familiar", False: "novel"}))
    return audio.groupby(["split", "lang", "group", "concept"]).size().rename("tokens").reset_index()


def check_counts(m: manifest.Manifest, counts: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Against the paper's design: what would break training (errors) or make the study differ (warnings)."""
    errors, warnings = [], []
    familiar = counts[counts.group == "familiar"]
    for lang in sorted(m.audio.lang.unique()):
        train = familiar[(familiar.split == "train") & (familiar.lang == lang)].set_index("concept").tokens
        if len(train):
            missing = [c for c in concepts.FAMILIAR_NAMES if train.get(c, 0) == 0]
            if missing:
                errors.append(f"{lang}: no training tokens of familiar word(s) {missing}")
        for split in ("val", "test"):
            have = familiar[(familiar.split == split) & (familiar.lang == lang)].set_index("concept").tokens
            few = {c: int(have.get(c, 0)) for c in concepts.FAMILIAR_NAMES if have.get(c, 0) < PAPER[f"{split} tokens"]}
            if few:
                warnings.append(f"{lang} {split}: fewer than {PAPER[f'{split} tokens']} tokens of {few}")
        novel = counts[(counts.group == "novel") & (counts.lang == lang) & (counts.split == "test")]
        absent = sorted(set(concepts.TESTED_NOVEL_NAMES) - set(novel.concept))
        if absent:
            warnings.append(f"{lang} test: no tokens of novel word(s) {absent}")
    images = m.images.groupby(["split", "concept"]).size()
    for split in ("val", "test"):
        few = {c: int(images.get((split, c), 0)) for c in concepts.FAMILIAR_NAMES
               if images.get((split, c), 0) < PAPER[f"{split} images"]}  # fmt: skip
        if few and len(m.images):
            warnings.append(f"images {split}: fewer than {PAPER[f'{split} images']} pictures of {few}")
    return errors, warnings


def check_corpus(folder: str) -> Report:
    try:
        m = load(folder)
    except (manifest.ManifestError, corpus.AlignmentError) as err:  # the tables themselves are malformed
        return Report(counts=pd.DataFrame(columns=["split", "lang", "group", "concept", "tokens"]), errors=[str(err)])
    counts = word_counts(m)
    errors, warnings = check_counts(m, counts)
    return Report(counts=counts, errors=check_files(m) + check_duplicates(m) + errors, warnings=warnings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vgslib check-corpus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("folder", help="a corpus folder: a manifest (audio.csv) or aligned utterances")
    parser.add_argument("--counts", default="", help="write the per-word counts to this CSV")
    args = parser.parse_args(argv)
    report = check_corpus(args.folder)
    print(report.text())
    if args.counts:
        report.counts.to_csv(args.counts, index=False)
    return 1 if report.errors else 0
