"""Small deterministic fixtures for tests and examples: tiny worlds, fabricated corpora, tiny random models."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import soundfile as sf
from scipy.special import expit

from vgslib.condition import Condition, parse_languages
from vgslib.sources.media import SAMPLE_RATE
from vgslib.sources.miniature import WorldConfig


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


def tiny_wavlm(folder: str) -> str:
    """A randomly initialised two-layer WavLM and its feature extractor, saved for offline loading."""
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
    from vgslib.encoders.pretrain import AudioPretrainConfig, ImagePretrainConfig

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
