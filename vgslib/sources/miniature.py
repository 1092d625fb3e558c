"""The built-in miniature world: spoken words and pictures of the inventory, generated offline.

`build(config, root)` writes WAV and PNG files plus the manifest. Same config -> byte-identical files;
a second call with the same config reuses what exists (the config hash is recorded in `world.json`).
"""

from __future__ import annotations

import functools
import glob
import json
import os
import shutil
from dataclasses import dataclass

import numpy as np
import pandas as pd
import soundfile as sf

from vgslib.atomic import exclusive, write_json
from vgslib.config import Config, added_field
from vgslib.sources import concepts, manifest, pictures, speech
from vgslib.sources.parallel import batched, run_batches

# Items per fresh speech engine; fixed, so the files do not depend on the number of workers. eSpeak NG's state
# carries from word to word within a batch (`speech.ESpeak`), so a token's samples depend on the tokens before
# it in its batch: a world whose plan differs before a token (other test voices, a language left out) renders it
# anew, although its word, speaker and seed are the same (the ingredients chapter measures how many).
BATCH = 400
TEST_VOICES = ("held-out", "trained")


@dataclass(frozen=True)
class WorldConfig(Config):
    seed: int = 0  # everything random in the world derives from this seed
    languages: tuple[str, ...] = concepts.LANGUAGES  # languages to synthesise
    train_tokens: int = 300  # training tokens per familiar word per language
    val_tokens: int = 10  # validation tokens per familiar word per language
    test_tokens: int = 10  # test tokens per familiar word per language
    novel_tokens: int = 30  # test tokens per novel word per language
    train_speakers: int = 64  # training speakers per language (voice variants disjoint from val/test)
    val_speakers: int = 8  # validation speakers per language
    test_speakers: int = 16  # test speakers per language
    train_images: int = 300  # augmented training images per familiar concept
    val_images: int = 10  # clean validation images per familiar concept
    test_images: int = 10  # clean test images per familiar concept
    novel_images: int = 20  # clean test images per novel concept
    # Concepts that also get training data: added concepts (`concepts.ADDED`) get the familiar words' train, val
    # and test splits, novel concepts a train and a val split (their test items stay the novel ones). Their items
    # come after every other item, which stay byte-identical to the world without them.
    also_trained: tuple[str, ...] = added_field(())
    # Who speaks the test tokens: "held-out", the test speakers (voice variants no training token uses), or
    # "trained", the training speakers (new tokens of their voices, as a corpus's test words may be).
    test_voices: str = added_field("held-out")
    # Which pictogram set the test pictures are drawn from: "" both (clean renders of the pictograms the training
    # pictures augment), or one set's name: every test picture (familiar and novel) from that set, every training
    # and validation picture from the other, so the familiar test pictures are drawings no training picture shows.
    test_drawings: str = added_field("")

    def __post_init__(self):
        for lang in self.languages:
            concepts.check_language(lang)
        if self.test_voices not in TEST_VOICES:
            raise ValueError(f"WorldConfig.test_voices must be one of {TEST_VOICES}, got {self.test_voices!r}")
        if self.test_drawings and self.test_drawings not in pictures.SOURCES:
            raise ValueError(
                f"WorldConfig.test_drawings must be empty or one of {pictures.SOURCES}, got {self.test_drawings!r}"
            )
        for name in self.also_trained:
            if name not in concepts.ADDED_NAMES and name not in concepts.NOVEL_NAMES:
                raise ValueError(
                    f"WorldConfig.also_trained: {name!r} is neither an added concept {list(concepts.ADDED_NAMES)} "
                    f"nor a novel one {list(concepts.NOVEL_NAMES)}"
                )
        for name in self.also_trained:
            for lang in self.languages:
                concepts.get(name).word(lang)  # names the concept without a word in a world language
        if len(set(self.also_trained)) != len(self.also_trained):
            raise ValueError(f"WorldConfig.also_trained repeats a concept: {list(self.also_trained)}")
        for name in (
            "train_tokens",
            "val_tokens",
            "test_tokens",
            "novel_tokens",
            "train_speakers",
            "val_speakers",
            "test_speakers",
            "train_images",
            "val_images",
            "test_images",
            "novel_images",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"WorldConfig.{name} must be at least 1, got {getattr(self, name)}")


def _rng(seed: int, *keys: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(speech._key(k) for k in keys)])


def _counts(cfg: WorldConfig, c: concepts.Concept, kind: str, extra: bool) -> dict[str, int]:
    """How many items of concept `c` each split gets: `kind` "tokens" or "images"; `extra`: the items that
    `also_trained` adds (none for a concept it does not name)."""
    familiar = {split: getattr(cfg, f"{split}_{kind}") for split in manifest.SPLITS}
    if not extra:
        return familiar if c.familiar else {"test": getattr(cfg, f"novel_{kind}")}
    if c.name not in cfg.also_trained:
        return {}
    return familiar if c.familiar else {"train": familiar["train"], "val": familiar["val"]}


def _audio_plan(cfg: WorldConfig) -> list[dict]:
    """Every token to synthesise: (concept, lang, split, index, speaker); the items of `also_trained` last."""
    plan = []
    speakers = {
        lang: {
            split: speech.make_speakers(lang, split, getattr(cfg, f"{split}_speakers"), cfg.seed)
            for split in manifest.SPLITS
        }
        for lang in cfg.languages
    }
    if cfg.test_voices == "trained":
        for by_split in speakers.values():
            by_split["test"] = by_split["train"]
    for extra, names in ((False, concepts.CONCEPTS), (True, cfg.also_trained)):
        for lang in cfg.languages:
            for c in map(concepts.get, names):
                for split, n in _counts(cfg, c, "tokens", extra).items():
                    for i in range(n):
                        spk = speakers[lang][split][i % len(speakers[lang][split])]
                        plan.append({"concept": c.name, "lang": lang, "split": split, "index": i, "speaker": spk})
    return plan


def _sources(cfg: WorldConfig, split: str) -> tuple[str, ...]:
    """The pictogram sets a split's pictures are drawn from (`WorldConfig.test_drawings`)."""
    if not cfg.test_drawings:
        return pictures.SOURCES
    if split == "test":
        return (cfg.test_drawings,)
    return tuple(s for s in pictures.SOURCES if s != cfg.test_drawings)


def _image_plan(cfg: WorldConfig) -> list[dict]:
    """Every picture to render: sources alternate, pictograms cycle, so each concept covers both sets (or, with
    `test_drawings`, its test pictures one set and its other pictures the other)."""
    plan = []
    for extra, names in ((False, concepts.CONCEPTS), (True, cfg.also_trained)):
        for c in map(concepts.get, names):
            for split, n in _counts(cfg, c, "images", extra).items():
                sources = _sources(cfg, split)
                for i in range(n):
                    source = sources[i % len(sources)]
                    pictogram = c.pictograms[(i // len(sources)) % len(c.pictograms)]
                    plan.append(
                        {"concept": c.name, "split": split, "index": i, "source": source, "pictogram": pictogram}
                    )
    return plan


def _make_tokens(seed: int, folder: str, items: list[dict]) -> list[dict]:
    """Synthesise a batch of tokens in order on a fresh engine (see `speech.ESpeak`)."""
    rows = []
    with speech.ESpeak() as engine:
        for item in items:
            c, lang, split, i, spk = item["concept"], item["lang"], item["split"], item["index"], item["speaker"]
            word = concepts.get(c).words[lang]
            token_id = f"{lang}-{c}-{split}-{i:04d}"
            wave = speech.speak(engine, word, spk, _rng(seed, "audio", token_id))
            rel = os.path.join("audio", lang, split, f"{token_id}.wav")
            os.makedirs(os.path.dirname(os.path.join(folder, rel)), exist_ok=True)
            sf.write(os.path.join(folder, rel), wave, speech.SAMPLE_RATE, subtype="PCM_16")
            rows.append(
                {
                    "id": token_id,
                    "concept": c,
                    "word": word,
                    "lang": lang,
                    "speaker": spk.id,
                    "split": split,
                    "path": rel,
                    "start": 0.0,
                    "end": len(wave) / speech.SAMPLE_RATE,
                    "corpus": "miniature",
                }
            )
    return rows


def _make_pictures(seed: int, folder: str, items: list[dict]) -> list[dict]:
    return [_make_picture(seed, folder, item) for item in items]


def _make_picture(seed: int, folder: str, item: dict) -> dict:
    c, split, i, source, pictogram = (item[k] for k in ("concept", "split", "index", "source", "pictogram"))
    image_id = f"{c}-{split}-{i:04d}"
    render = pictures.render_augmented if split == "train" else pictures.render_clean
    rel = os.path.join("images", split, f"{image_id}.png")
    os.makedirs(os.path.dirname(os.path.join(folder, rel)), exist_ok=True)
    render(source, pictogram, _rng(seed, "image", image_id)).save(os.path.join(folder, rel), compress_level=1)
    return {"id": image_id, "concept": c, "split": split, "source": source, "path": rel, "pictogram": pictogram}


def build(cfg: WorldConfig, root: str, progress: bool = True, num_workers: int | None = None) -> manifest.Manifest:
    """Build the world into `root` (or reuse it when it was built with the same config). One process at a time
    builds it; others wait and then reuse it."""
    with exclusive(root, f"building the miniature world in {root}"):
        return _build(cfg, root, progress, num_workers)


def _build(cfg: WorldConfig, root: str, progress: bool, num_workers: int | None) -> manifest.Manifest:
    stamp = os.path.join(root, "world.json")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f).get("digest") == cfg.digest():
                return manifest.load(root)
    # Build next to the target and swap in at the end: an interrupted build never looks complete. A build that
    # was killed left its folder behind; under the build lock no other build is using one, so they go first.
    for stale in glob.glob(glob.escape(root.rstrip("/")) + ".*.partial"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = root.rstrip("/") + f".{os.getpid()}.partial"
    os.makedirs(tmp)
    try:
        return _build_into(cfg, root, tmp, progress, num_workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # a build that failed leaves nothing behind


def _build_into(cfg: WorldConfig, root: str, tmp: str, progress: bool, num_workers: int | None) -> manifest.Manifest:
    workers = num_workers or min(os.cpu_count() or 1, 4)
    audio_rows = run_batches(
        functools.partial(_make_tokens, cfg.seed, tmp), batched(_audio_plan(cfg), BATCH), workers, "speech", progress
    )
    image_rows = run_batches(
        functools.partial(_make_pictures, cfg.seed, tmp),
        batched(_image_plan(cfg), BATCH),
        workers,
        "pictures",
        progress,
    )
    images = pd.DataFrame(image_rows)
    result = manifest.Manifest(
        root=tmp,
        audio=manifest.validate(pd.DataFrame(audio_rows), "audio", "miniature audio"),
        images=manifest.validate(images, "images", "miniature images"),
    )
    manifest.save(result)
    images[["id", "pictogram"]].to_csv(os.path.join(tmp, "pictograms.csv"), index=False, lineterminator="\n")
    write_json(os.path.join(tmp, "world.json"), {"digest": cfg.digest(), "config": cfg.to_dict()})
    shutil.rmtree(root, ignore_errors=True)
    os.replace(tmp, root)
    return manifest.load(root)
