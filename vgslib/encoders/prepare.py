"""The prepare stage: from a corpus to in-memory features. Build (or load) the manifest, load the frozen
encoders, extract every split's features through the feature store, and report the encoder probe.

`prepare` builds whatever is missing; `load_prepared` only reads what `prepare` wrote (for the book's pages,
which never build data) and says how to make it when it is missing."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vgslib import paths
from vgslib.atomic import atomic_path, write_json
from vgslib.config import Config
from vgslib.encoders import probe
from vgslib.encoders.base import EncoderConfig
from vgslib.encoders.features import BadFeaturesError, Features, FeatureStore, load
from vgslib.encoders.settings import AudioPretrainConfig, ImagePretrainConfig
from vgslib.sources import concepts, manifest, miniature

AUDIO_KINDS = ("mini-audio", "wavlm", "precomputed-audio", "logmel-audio")
IMAGE_KINDS = ("mini-image", "dino-resnet50", "precomputed-image", "pixel-image")
REPORT = "data-config.json"  # what `write_report` records: the data config and the encoders' names and digests


@dataclass(frozen=True)
class DataConfig(Config):
    corpus: str = "miniature"  # "miniature" (built here) or the folder of a real corpus's manifest
    world: miniature.WorldConfig = miniature.WorldConfig()  # the miniature world (when corpus = miniature)
    audio_encoder: EncoderConfig = EncoderConfig(kind="mini-audio")  # frozen speech encoder
    image_encoder: EncoderConfig = EncoderConfig(kind="mini-image")  # frozen image encoder
    audio_pretrain: AudioPretrainConfig = AudioPretrainConfig()  # pre-training of mini-audio
    image_pretrain: ImagePretrainConfig = ImagePretrainConfig()  # pre-training of mini-image

    def __post_init__(self):
        if self.audio_encoder.kind not in AUDIO_KINDS:
            raise ValueError(f"audio_encoder.kind must be one of {AUDIO_KINDS}, not {self.audio_encoder.kind!r}")
        if self.image_encoder.kind not in IMAGE_KINDS:
            raise ValueError(f"image_encoder.kind must be one of {IMAGE_KINDS}, not {self.image_encoder.kind!r}")
        if self.corpus != "miniature" and not os.path.isdir(self.corpus):
            raise ValueError(f"corpus {self.corpus!r} is neither 'miniature' nor an existing folder")


@dataclass
class StudyData:
    """The manifest and the features of every split: audio keyed by (split, lang), images by split."""

    manifest: manifest.Manifest
    audio: dict = field(default_factory=dict)  # (split, lang) -> Features
    images: dict = field(default_factory=dict)  # split -> Features
    encoders: dict = field(default_factory=dict)  # modality -> encoder name and digest

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted({lang for _, lang in self.audio}))

    def labels(self, modality: str, split: str, lang: str | None = None) -> pd.Series:
        f = self.audio[(split, lang)] if modality == "audio" else self.images[split]
        table = self.manifest.audio if modality == "audio" else self.manifest.images
        return table.set_index("id").loc[f.ids, "concept"].reset_index(drop=True)


def default_world_dir(cfg: DataConfig) -> str:
    """The folder of `cfg`'s miniature world: `miniature/` for the default world, else one of its own."""
    return paths.world_dir("" if cfg.world == miniature.WorldConfig() else cfg.world.digest(8))


def feature_source(cfg: DataConfig) -> str:
    """What the cached features of `cfg`'s items are keyed by besides their rows: the world's digest, or the
    real corpus's folder."""
    return f"world-{cfg.world.digest()}" if cfg.corpus == "miniature" else os.path.abspath(cfg.corpus)


def prepare(
    cfg: DataConfig = DataConfig(), progress: bool = True, world_dir: str | None = None, features_dir: str | None = None
) -> StudyData:
    """Build or load the corpus, then load or extract the features of every split."""
    from vgslib.encoders.build import build_encoder  # here: reading a prepared world needs no torch

    if cfg.corpus == "miniature":
        m = miniature.build(cfg.world, world_dir or default_world_dir(cfg), progress=progress)
    else:
        m = manifest.load(cfg.corpus)
    source = feature_source(cfg)
    store = FeatureStore(features_dir or paths.features_dir())
    audio_enc = build_encoder(cfg.audio_encoder, cfg.audio_pretrain, progress)
    image_enc = build_encoder(cfg.image_encoder, cfg.image_pretrain, progress)
    data = StudyData(
        manifest=m,
        encoders={"audio": [audio_enc.name, audio_enc.digest()], "image": [image_enc.name, image_enc.digest()]},
    )
    for split in manifest.SPLITS:
        rows = m.select("images", split)
        if len(rows):
            data.images[split] = store.get(image_enc, m, rows, f"images-{split}", progress=progress, source=source)
        for lang in sorted(set(m.audio["lang"])):
            rows = m.select("audio", split, lang=lang)
            if len(rows):
                name = f"audio-{split}-{lang}"
                data.audio[(split, lang)] = store.get(audio_enc, m, rows, name, progress=progress, source=source)
    # What `load_prepared_config` reads back without building anything (rewritten when the encoders changed,
    # e.g. precomputed features rewritten under the same config).
    record, content = (
        os.path.join(prepared_dir(cfg, store.root), REPORT),
        {"config": cfg.to_dict(), "encoders": data.encoders},
    )
    if not os.path.exists(record) or _read_json(record) != json.loads(json.dumps(content)):
        write_json(record, content)
    return data


def _read_json(path: str):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def prepared_dir(cfg: DataConfig, features_dir: str | None = None) -> str:
    """Where `prepare` records what it prepared for `cfg` (its config and encoders' digests), for readers that
    must not build: `<features>/prepared/<digest of cfg>/`."""
    return os.path.join(features_dir or paths.features_dir(), "prepared", cfg.digest(12))


def load_prepared_config(cfg: DataConfig, features_dir: str | None = None) -> StudyData:
    """What `prepare(cfg)` made, read only (the book's pages read data this way and never build it). Raises
    FileNotFoundError saying how to make what is missing."""
    return load_prepared(prepared_dir(cfg, features_dir), features_dir)


def _familiar(f: Features, labels: pd.Series) -> tuple[Features, pd.Series]:
    keep = labels.isin(concepts.FAMILIAR_NAMES).to_numpy()
    idx = [i for i in range(len(f)) if keep[i]]
    tokens = [f.item(i) for i in idx]
    offsets = np.concatenate([[0], np.cumsum([len(t) for t in tokens])]).astype(np.int64)
    return Features(f.ids[idx], np.concatenate(tokens), offsets), labels[keep].reset_index(drop=True)


def probe_report(data: StudyData) -> pd.DataFrame:
    """The 13-way probe per modality (and language): train split -> test split, familiar concepts only."""
    rows = []
    if "train" in data.images and "test" in data.images:
        tr, ytr = _familiar(data.images["train"], data.labels("image", "train"))
        te, yte = _familiar(data.images["test"], data.labels("image", "test"))
        rows.append(
            {
                "modality": "image",
                "lang": "",
                "accuracy": probe.probe_accuracy(tr, ytr, te, yte),
                "n_train": len(tr),
                "n_test": len(te),
            }
        )
    for lang in data.languages:
        if ("train", lang) in data.audio and ("test", lang) in data.audio:
            tr, ytr = _familiar(data.audio[("train", lang)], data.labels("audio", "train", lang))
            te, yte = _familiar(data.audio[("test", lang)], data.labels("audio", "test", lang))
            rows.append(
                {
                    "modality": "audio",
                    "lang": lang,
                    "accuracy": probe.probe_accuracy(tr, ytr, te, yte),
                    "n_train": len(tr),
                    "n_test": len(te),
                }
            )
    return probe.probe_table(rows)


def write_report(data: StudyData, cfg: DataConfig, folder: str | None = None) -> str:
    """Save the probe table and the data config next to the features (read by the book)."""
    folder = folder or paths.data_root()
    with atomic_path(os.path.join(folder, "probe.csv")) as tmp:
        probe_report(data).to_csv(tmp, index=False)
    write_json(os.path.join(folder, REPORT), {"config": cfg.to_dict(), "encoders": data.encoders})
    return folder


def prepared_world_dir(folder: str | None = None) -> str:
    """The folder of the manifest `prepare` used for the data config recorded in `folder` (default: the data
    root): its miniature world's, or the real corpus's; the default world's folder when nothing is recorded."""
    report = os.path.join(folder or paths.data_root(), REPORT)
    if not os.path.exists(report):
        return paths.world_dir()
    with open(report) as f:
        cfg = DataConfig.from_dict(json.load(f)["config"])
    return default_world_dir(cfg) if cfg.corpus == "miniature" else cfg.corpus


def load_prepared(folder: str | None = None, features_dir: str | None = None) -> StudyData:
    """What `prepare` wrote for the data config recorded in `folder` (default: the data root), read only: the
    manifest and every split's cached features. Raises FileNotFoundError saying how to make what is missing."""
    folder = folder or paths.data_root()
    how = "run `make prepare` (or `python -m vgslib prepare`) first"
    report = os.path.join(folder, REPORT)
    if not os.path.exists(report):
        raise FileNotFoundError(f"{report} does not exist: nothing has been prepared; {how}")
    with open(report) as f:
        record = json.load(f)
    cfg = DataConfig.from_dict(record["config"])
    root = default_world_dir(cfg) if cfg.corpus == "miniature" else cfg.corpus
    try:
        m = manifest.load(root)
    except FileNotFoundError as err:
        raise FileNotFoundError(f"{err}; {how}") from None
    store = FeatureStore(features_dir or paths.features_dir())
    data = StudyData(manifest=m, encoders=record["encoders"])

    def read(name: str, modality: str, rows: pd.DataFrame) -> Features:
        path = store.path_for(name, *record["encoders"][modality], rows, feature_source(cfg))
        if not os.path.exists(path):
            raise FileNotFoundError(f"the features {path} do not exist; {how}")
        try:
            return load(path)
        except BadFeaturesError as err:
            raise BadFeaturesError(f"{err}; delete it and {how} to extract it again") from err

    for split in manifest.SPLITS:
        rows = m.select("images", split)
        if len(rows):
            data.images[split] = read(f"images-{split}", "image", rows)
        for lang in sorted(set(m.audio["lang"])):
            rows = m.select("audio", split, lang=lang)
            if len(rows):
                data.audio[(split, lang)] = read(f"audio-{split}-{lang}", "audio", rows)
    return data
