"""The frozen encoders' chapter (`book/encoders.md`): the linear probe's report that `make prepare` wrote."""

from __future__ import annotations

import json
import os

import pandas as pd

from vgslib import paths
from vgslib.encoders import probe
from vgslib.encoders.prepare import REPORT
from vgslib.report.pages import read_json


def encoder_report() -> tuple[pd.DataFrame, dict]:
    """The probe table and the encoders chapter's numbers (probe accuracies, pre-training settings and time)."""
    report = pd.read_csv(os.path.join(paths.data_root(), "probe.csv"), keep_default_na=False)
    data_cfg = read_json(os.path.join(paths.data_root(), REPORT))
    pretrained = {}
    for name, digest in data_cfg["encoders"].values():
        meta = os.path.join(paths.encoders_dir(), f"{name}-{digest.split('-v')[0]}.json")
        if os.path.exists(meta):
            with open(meta) as f:
                pretrained[name] = json.load(f)
    audio = report[report.modality == "audio"].set_index("lang").accuracy
    img_cfg, aud_cfg = data_cfg["config"]["image_pretrain"], data_cfg["config"]["audio_pretrain"]
    numbers = {
        "probe_image": 100 * float(report[report.modality == "image"].accuracy.iloc[0]),
        "probe_audio_min": 100 * float(audio.min()),
        "probe_audio_max": 100 * float(audio.max()),
        "probe_bar": 100 * probe.BAR,
        "probe_all_pass": "pass" if bool(report.passes.all()) else "do **not** all pass",
        "seconds_image": float(pretrained.get("mini-image", {}).get("seconds", float("nan"))),
        "seconds_audio": float(pretrained.get("mini-audio", {}).get("seconds", float("nan"))),
        "img_pictograms": img_cfg["num_pictograms"],
        "img_steps": img_cfg["steps"],
        "aud_words": aud_cfg["num_pseudowords"],
        "aud_steps": aud_cfg["steps"],
    }
    return report, numbers
