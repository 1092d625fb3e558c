"""Spoken words synthesised offline with eSpeak NG (through `espeakng-loader`, no system package).

A *speaker* is a fixed voice setting (language variant x voice variant x pitch x rate). Every token adds small
random variation (rate and pitch jitter, level, silence padding, light noise), so no two tokens are identical.
Output is 16 kHz mono float32 in [-1, 1].
"""

from __future__ import annotations

import _ctypes
import ctypes
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000
_ESPEAK_RATE = 22_050  # eSpeak NG's native output rate
_LIBC = ctypes.CDLL(None)

# Language variants eSpeak NG offers for each study language.
LANGUAGE_VOICES = {
    "en": ("en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd"),
    "fr": ("fr", "fr-be", "fr-ch"),
    "nl": ("nl",),
}
# Voice variants kept apart for held-out speakers: ordinary voices, so tests are not about odd timbres.
TEST_VARIANTS = (
    "m1",
    "m2",
    "m3",
    "m4",
    "f1",
    "f2",
    "f3",
    "f4",
    "adam",
    "alicia",
    "andrea",
    "benjamin",
    "caleb",
    "david",
    "ed",
    "linda",
)
VAL_VARIANTS = ("m5", "m6", "f5", "john", "paul", "steph", "victor", "norbert")
# Languages (other than the study's) that read the non-concept pseudo-words used for encoder pre-training.
PRETRAIN_LANGUAGES = ("en", "fr", "nl", "de", "es", "it", "pt", "sv", "pl", "cs", "fi", "hu")


@dataclass(frozen=True)
class Speaker:
    id: str  # e.g. "en-train-007"
    lang_voice: str  # eSpeak language variant, e.g. "en-gb-scotland"
    variant: str  # eSpeak voice variant, e.g. "m3"
    pitch: int  # base pitch 0-100
    rate: int  # base rate, words per minute

    @property
    def voice_name(self) -> str:
        return f"{self.lang_voice}+{self.variant}"


class ESpeak:
    """Thin ctypes binding of libespeak-ng in synchronous mode, on a private copy of the library.

    eSpeak NG keeps global state between utterances (its pitch flutter advances with every call), so the
    samples of a word depend on everything synthesised before in the same library instance. Each `ESpeak`
    therefore loads its own fresh copy of the shared library: a batch of words synthesised in a fixed order
    on a fresh engine is byte-identical whatever ran before, in whichever process. Use it as a context
    manager, one per batch.
    """

    def __init__(self) -> None:
        import espeakng_loader

        self._dir = tempfile.mkdtemp(prefix="vgslib-espeak-")
        private = os.path.join(self._dir, "libespeak-ng.so")
        shutil.copyfile(espeakng_loader.get_library_path(), private)
        self.lib = ctypes.CDLL(private, mode=ctypes.RTLD_LOCAL)
        data_dir = os.path.dirname(espeakng_loader.get_data_path())
        rate = self.lib.espeak_Initialize(2, 0, data_dir.encode(), 0)  # 2 = AUDIO_OUTPUT_SYNCHRONOUS
        if rate != _ESPEAK_RATE:
            raise RuntimeError(f"eSpeak NG failed to initialise (returned {rate}) with data in {data_dir}")
        self._chunks: list[np.ndarray] = []
        callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
        self._callback = callback_type(self._collect)  # keep a reference: ctypes does not
        self.lib.espeak_SetSynthCallback(self._callback)

    def __enter__(self) -> ESpeak:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.lib is not None:
            self.lib.espeak_Terminate()
            _ctypes.dlclose(self.lib._handle)
            self.lib = None
            shutil.rmtree(self._dir, ignore_errors=True)

    def _collect(self, wav, num_samples, events):
        if num_samples > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(num_samples,)).copy())
        return 0

    def synth(self, text: str, voice: str, rate: int, pitch: int, seed: int = 0) -> np.ndarray:
        """Raw int16 samples at 22.05 kHz for `text` spoken by `voice` (e.g. 'nl+m3')."""
        # Breathy voices draw noise from libc's rand() and eSpeak's own generator: seed both.
        _LIBC.srand(seed)
        self.lib.espeak_ng_SetRandSeed(seed)
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"eSpeak NG has no voice {voice!r}")
        self.lib.espeak_SetParameter(1, int(rate), 0)  # espeakRATE
        self.lib.espeak_SetParameter(3, int(pitch), 0)  # espeakPITCH
        self._chunks = []
        data = text.encode("utf-8")
        err = self.lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 1, None, None)  # POS_CHARACTER, CHARS_UTF8
        self.lib.espeak_Synchronize()
        if err != 0 or not self._chunks:
            raise RuntimeError(f"eSpeak NG failed to synthesise {text!r} with voice {voice!r} (error {err})")
        return np.concatenate(self._chunks)


def voice_variants() -> tuple[str, ...]:
    """eSpeak NG's voice variants, listed from its data folder (the library is not loaded)."""
    import espeakng_loader

    return tuple(sorted(os.listdir(os.path.join(espeakng_loader.get_data_path(), "voices", "!v"))))


def make_speakers(lang: str, split: str, num_speakers: int, seed: int) -> list[Speaker]:
    """Deterministic speakers of one language and split; splits draw from disjoint voice variants."""
    if split == "test":
        pool = TEST_VARIANTS
    elif split == "val":
        pool = VAL_VARIANTS
    elif split == "train":
        pool = tuple(v for v in voice_variants() if v not in TEST_VARIANTS + VAL_VARIANTS)
    else:
        raise ValueError(f"unknown split {split!r}; expected train, val or test")
    rng = np.random.default_rng([seed, _key(lang), _key(split)])
    voices = LANGUAGE_VOICES.get(lang) or (lang,)
    speakers = []
    for i in range(num_speakers):
        speakers.append(
            Speaker(
                id=f"{lang}-{split}-{i:03d}",
                lang_voice=voices[i % len(voices)],
                variant=pool[i % len(pool)] if i < len(pool) else pool[int(rng.integers(len(pool)))],
                pitch=int(rng.integers(20, 81)),
                rate=int(rng.integers(130, 211)),
            )
        )
    return speakers


def speak(engine: ESpeak, text: str, speaker: Speaker, rng: np.random.Generator) -> np.ndarray:
    """One token of `text` by `speaker`, with per-token jitter, padding and noise: 16 kHz float32 mono."""
    from scipy.signal import resample_poly  # here: it takes ~1.4 s to import, and a training run never speaks

    rate = speaker.rate * rng.uniform(0.9, 1.1)
    pitch = np.clip(speaker.pitch + rng.integers(-6, 7), 0, 100)
    seed = int(rng.integers(2**31))
    raw = engine.synth(text, speaker.voice_name, int(rate), int(pitch), seed=seed).astype(np.float32) / 32768.0
    audio = resample_poly(raw, 320, 441).astype(np.float32)  # 22.05 kHz -> 16 kHz, anti-aliased
    audio = _trim_silence(audio)
    audio *= rng.uniform(0.3, 0.9) / max(float(np.abs(audio).max()), 1e-6)
    pad = [int(rng.uniform(0.02, 0.2) * SAMPLE_RATE) for _ in range(2)]
    audio = np.pad(audio, pad)
    snr_db = rng.uniform(20, 35)
    noise_rms = np.sqrt(np.mean(audio**2)) / (10 ** (snr_db / 20))
    audio = audio + rng.normal(0, noise_rms, audio.shape).astype(np.float32)
    return np.clip(audio, -1, 1).astype(np.float32)


def _trim_silence(audio: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > threshold)
    return audio[loud[0] : loud[-1] + 1] if len(loud) else audio


def _key(text: str) -> int:
    """A stable integer for seeding from a string (Python's hash() is salted per process)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:15], 16)
