"""Small deterministic fixtures for tests and examples: tiny worlds, fabricated corpora, tiny random models."""

from __future__ import annotations

import contextlib
import logging
import os
import re

import numpy as np
import pandas as pd
import soundfile as sf
from scipy.special import expit

from vgslib.condition import Condition, parse_languages
from vgslib.sources.media import SAMPLE_RATE
from vgslib.sources.miniature import WorldConfig


@contextlib.contextmanager
def logs(caplog, pattern: str):
    """Assert that the block logs a warning matching `pattern` (pytest's `caplog` fixture): the project's
    recovery and import messages are logged, so that filtering warnings out never hides them."""
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        yield
    assert re.search(pattern, caplog.text), f"no logged warning matches {pattern!r}; logged: {caplog.text!r}"


def tiny_world_config(**overrides) -> WorldConfig:
    """A world of a few tokens and pictures per concept: builds in seconds."""
    base = dict(
        languages=("en", "nl"),
        train_tokens=4,
        val_tokens=2,
        test_tokens=2,
        novel_tokens=2,
        train_speakers=4,
        val_speakers=2,
        test_speakers=2,
        train_images=4,
        val_images=2,
        test_images=2,
        novel_images=2,
    )
    return WorldConfig.from_dict({**base, **overrides})


def write_tone(
    path: str, seconds: float = 0.5, freq: float = 440.0, sample_rate: int = SAMPLE_RATE, channels: int = 1
) -> str:
    """A sine tone WAV (int16), for audio-loading tests."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    wave = 0.3 * np.sin(2 * np.pi * freq * t).astype(np.float32)
    if channels > 1:
        wave = np.stack([wave] * channels, axis=1)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    sf.write(path, wave, sample_rate, subtype="PCM_16")
    return path


def write_textgrid(
    path: str, intervals: list[tuple[float, float, str]], tier: str = "words", short: bool = False
) -> str:
    """A Praat TextGrid with one interval tier, long format (as MFA writes) or short format."""
    xmax = intervals[-1][1]
    if short:
        lines = [
            'File type = "ooTextFile"',
            'Object class = "TextGrid"',
            "",
            "0",
            str(xmax),
            "<exists>",
            "1",
            '"IntervalTier"',
            f'"{tier}"',
            "0",
            str(xmax),
            str(len(intervals)),
        ]
        for a, b, text in intervals:
            lines += [str(a), str(b), '"' + text.replace('"', '""') + '"']
    else:
        lines = [
            'File type = "ooTextFile"',
            'Object class = "TextGrid"',
            "",
            "xmin = 0",
            f"xmax = {xmax}",
            "tiers? <exists>",
            "size = 1",
            "item []:",
            "    item [1]:",
            '        class = "IntervalTier"',
            f'        name = "{tier}"',
            "        xmin = 0",
            f"        xmax = {xmax}",
            f"        intervals: size = {len(intervals)}",
        ]
        for i, (a, b, text) in enumerate(intervals, 1):
            lines += [
                f"        intervals [{i}]:",
                f"            xmin = {a}",
                f"            xmax = {b}",
                '            text = "' + text.replace('"', '""') + '"',
            ]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def fabricate_aligned_corpus(root: str) -> str:
    """A corpus of three utterances with word alignments, in the importer's format."""
    os.makedirs(os.path.join(root, "wav"), exist_ok=True)
    utterances = [
        ("u1", "en", "train", "spk1", [(0.0, 0.3, "the"), (0.3, 0.8, "dog"), (0.8, 0.81, "cat"), (0.81, 1.2, "")]),
        ("u2", "en", "test", "spk2", [(0.0, 0.4, "a"), (0.4, 1.0, "Umbrella"), (1.0, 1.2, "piano")]),
        ("u3", "nl", "train", "spk3", [(0.0, 0.5, "hond"), (0.5, 1.2, "dog")]),
    ]
    rows = []
    for uid, lang, split, spk, words in utterances:
        write_tone(os.path.join(root, "wav", f"{uid}.wav"), seconds=1.2)
        write_textgrid(os.path.join(root, "wav", f"{uid}.TextGrid"), words, short=(uid == "u3"))
        rows.append(
            {
                "id": uid,
                "path": f"wav/{uid}.wav",
                "speaker": spk,
                "lang": lang,
                "split": split,
                "textgrid": f"wav/{uid}.TextGrid",
                "corpus": "fabricated",
            }
        )
    pd.DataFrame(rows).to_csv(os.path.join(root, "utterances.csv"), index=False)
    return root


def tiny_wavlm(folder: str, feat_extract_norm: str = "group") -> str:
    """A randomly initialised two-layer WavLM and its feature extractor, saved for offline loading
    (`feat_extract_norm="layer"`: a padding-aware front end, as WavLM Large has; "group": as WavLM Base+)."""
    import torch
    from transformers import Wav2Vec2FeatureExtractor, WavLMConfig, WavLMModel

    torch.manual_seed(0)
    cfg = WavLMConfig(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        conv_dim=(16, 16),
        conv_stride=(5, 4),
        conv_kernel=(10, 4),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        num_buckets=16,
        max_bucket_distance=32,
        feat_extract_norm=feat_extract_norm,
        do_stable_layer_norm=feat_extract_norm == "layer",
    )
    WavLMModel(cfg).save_pretrained(folder)
    Wav2Vec2FeatureExtractor(
        feature_size=1, sampling_rate=SAMPLE_RATE, do_normalize=True, return_attention_mask=True
    ).save_pretrained(folder)
    return folder


def tiny_dino_checkpoint(path: str) -> str:
    """A randomly initialised torchvision ResNet-50 state dict without its classifier (as DINO ships it)."""
    import torch
    import torchvision

    torch.manual_seed(0)
    state = {k: v for k, v in torchvision.models.resnet50(weights=None).state_dict().items() if not k.startswith("fc.")}
    torch.save(state, path)
    return path


def tiny_data_config():
    """A DataConfig for tests: the tiny world and encoders pre-trained for a couple of steps."""
    from vgslib.encoders.prepare import DataConfig
    from vgslib.encoders.settings import AudioPretrainConfig, ImagePretrainConfig

    return DataConfig(
        world=tiny_world_config(),
        image_pretrain=ImagePretrainConfig(num_pictograms=16, views=2, steps=2, batch=8),
        audio_pretrain=AudioPretrainConfig(num_pseudowords=12, steps=2, batch=6),
    )


def fake_trials(rng: np.random.Generator, runs: list[tuple[str, str, int, float]], per_word: int = 40) -> pd.DataFrame:
    """Per-trial results of fake runs, (run, train_langs, seed, p(correct)): FF and NF trials of two words in
    every training language."""
    rows = []
    for run, train_langs, seed, p in runs:
        for lang in parse_languages(train_langs):
            for test in ("ff", "nf"):
                for concept in ("dog", "ball"):
                    rows += [
                        {"run": run, "train_langs": train_langs, "seed": seed, "lang": lang, "test": test,
                         "concept": concept, "correct": bool(c)}
                        for c in rng.random(per_word) < p
                    ]  # fmt: skip
    return pd.DataFrame(rows)


def study_trials(conditions, seeds=3, words=6, per_word=30, rng_seed=0):
    """Fake per-trial results with the condition columns runs.load_runs adds: conditions maps
    (train_langs, links, repeats, size) -> NF log odds."""
    rng = np.random.default_rng(rng_seed)
    rows = []
    for (train, links, repeats, size), logit in conditions.items():
        for seed in range(seeds):
            c = Condition.from_label(train, links=links, anchor_repeats=repeats, size=size, seed=seed)
            for lang in c.languages:
                for test, shift in (("nf", logit), ("ff", 3.0)):
                    for w in range(words):
                        correct = rng.random(per_word) < expit(shift)
                        rows += [
                            {
                                "test": test,
                                "lang": lang,
                                "concept": f"w{w}",
                                "correct": bool(ok),
                                **c.columns(),
                            }
                            for ok in correct
                        ]
    return pd.DataFrame(rows)


def fabricate_reference(root: str, langs=("english", "dutch"), audio_dim: int = 24, image_channels: int = 16) -> str:
    """A small data set in exactly the reference implementation's layout (file lists, media, HDF5 features with
    one group per item, test episodes); features are random and narrower than the real 768 / 2048."""
    import json

    from PIL import Image

    from vgslib.sources import concepts

    rng = np.random.default_rng(0)
    data, out = os.path.join(root, "data"), os.path.join(root, "output")
    for folder in ("filelists", "images"):
        os.makedirs(os.path.join(data, folder), exist_ok=True)
    os.makedirs(os.path.join(out, "features-audio"), exist_ok=True)
    os.makedirs(os.path.join(out, "features-image"), exist_ok=True)
    code = {"english": "en", "french": "fr", "dutch": "nl"}
    token = lambda word: word.split()[0].replace("-", "")  # noqa: E731 -- single tokens, as the reference's
    rows = [f"{token(c.words['en'])},{token(c.words['nl'])},{token(c.words['fr'])}" for c in concepts.CONCEPTS.values()]
    open(os.path.join(data, "concepts.csv"), "w").write("\n".join(rows) + "\n")
    open(os.path.join(data, "words-seen.txt"), "w").write("\n".join(concepts.FAMILIAR_NAMES) + "\n")
    open(os.path.join(data, "words-unseen.txt"), "w").write("\n".join(concepts.NOVEL_NAMES) + "\n")
    counts = {"train": (3, 0), "valid": (1, 0), "test": (2, 2)}  # (per familiar concept, per tested novel concept)
    test_images: dict[str, list[dict]] = {}
    for split, (fam, nov) in counts.items():
        records, feats = [], {}
        for name, n in [(c, fam) for c in concepts.FAMILIAR_NAMES] + [(c, nov) for c in concepts.TESTED_NOVEL_NAMES]:
            for k in range(n):
                item = f"{name}_{split}{k}" if split != "test" else f"{name}_masked_{k}"
                rec = {"name": item, "word-en": name} | (
                    {"source": ("mscoco", "caltech")[k % 2]} if split == "test" else {}
                )
                records.append(rec)
                Image.new("RGB", (32, 32), tuple(int(v) for v in rng.integers(0, 255, 3))).save(
                    os.path.join(data, "images", f"{item}.jpg"))  # fmt: skip
                feats[item] = rng.normal(size=(image_channels, 8, 8)).astype(np.float32)
        json.dump(records, open(os.path.join(data, "filelists", f"image-{split}.json"), "w"))
        _write_h5(os.path.join(out, "features-image", f"me-dataset-{split}-dino-resnet50.h5"), feats)
        if split == "test":
            test_images = {c: [r for r in records if r["word-en"] == c] for c in {r["word-en"] for r in records}}
        audio, afeats = [], {}
        for lang in langs:
            afeats = {}
            os.makedirs(os.path.join(data, f"{lang}_words"), exist_ok=True)
            for name, n in [(c, fam) for c in concepts.FAMILIAR_NAMES] + [
                (c, nov) for c in concepts.TESTED_NOVEL_NAMES
            ]:
                word = concepts.get(name).words[code[lang]].split()[0].replace("-", "")
                for k in range(n):
                    item = f"{word}_{split}utt{k}"
                    audio.append({"lang": lang, "name": item, "word-en": name})
                    write_tone(os.path.join(data, f"{lang}_words", f"{item}.wav"), seconds=0.3)
                    afeats[item] = rng.normal(size=(int(rng.integers(5, 12)), audio_dim)).astype(np.float32)
            _write_h5(os.path.join(out, "features-audio", f"me-dataset-{split}-{lang}-wavlm-base-plus.h5"), afeats)
        json.dump(audio, open(os.path.join(data, "filelists", f"audio-{split}-3.json"), "w"))
        if split == "test":
            for lang in langs:
                for kind, group in (("familiar-familiar", concepts.FAMILIAR_NAMES),
                                    ("novel-familiar", concepts.TESTED_NOVEL_NAMES)):  # fmt: skip
                    episodes = []
                    for a in (r for r in audio if r["lang"] == lang and r["word-en"] in group):
                        pos = test_images[a["word-en"]][0]
                        other = next(c for c in concepts.FAMILIAR_NAMES if c != a["word-en"])
                        episodes.append({"audio": a, "image-pos": pos, "image-neg": test_images[other][0]})
                    json.dump(episodes, open(os.path.join(data, "filelists", f"{kind}-{lang}-test.json"), "w"))
    return root


def _write_h5(path: str, items: dict[str, np.ndarray]) -> None:
    import h5py

    with h5py.File(path, "w") as f:
        for name, feature in items.items():
            f.create_group(name).create_dataset("feature", data=feature)
