"""Reading spoken word segments and pictures, with clear errors for bad input."""

from __future__ import annotations

import os

import numpy as np
import soundfile as sf
from PIL import Image, UnidentifiedImageError

SAMPLE_RATE = 16_000


class InputError(ValueError):
    """An input file is missing, corrupt or not in the expected format; the message names it."""


def load_segment(path: str, start: float = 0.0, end: float | None = None, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Samples of [start, end) seconds of a mono WAV at `sample_rate`, as float32."""
    if not os.path.exists(path):
        raise InputError(f"audio file {path} does not exist")
    try:
        info = sf.info(path)
    except (RuntimeError, sf.LibsndfileError) as err:
        raise InputError(f"audio file {path} cannot be read as audio: {err}") from None
    if info.samplerate != sample_rate:
        raise InputError(f"audio file {path} has sample rate {info.samplerate} Hz; expected {sample_rate} Hz")
    if info.channels != 1:
        raise InputError(f"audio file {path} has {info.channels} channels; expected mono")
    first = int(round(start * sample_rate))
    last = info.frames if end is None else int(round(end * sample_rate))
    if first < 0 or last > info.frames + 1 or last <= first:
        raise InputError(
            f"audio file {path}: segment [{start}, {end}] s is outside its {info.frames / sample_rate:.3f} s"
        )
    try:
        samples, _ = sf.read(path, start=first, stop=min(last, info.frames), dtype="float32", always_2d=False)
    except (RuntimeError, sf.LibsndfileError) as err:
        raise InputError(f"audio file {path} is corrupt: {err}") from None
    if samples.size == 0:
        raise InputError(f"audio file {path} is empty")
    if not np.isfinite(samples).all():
        raise InputError(f"audio file {path} holds non-finite samples")
    return samples


def load_image(path: str) -> Image.Image:
    """An RGB picture, or an InputError naming the file."""
    if not os.path.exists(path):
        raise InputError(f"image file {path} does not exist")
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError) as err:
        raise InputError(f"image file {path} cannot be read as an image: {err}") from None
