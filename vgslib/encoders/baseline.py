"""Frozen-feature baselines: encoders with nothing learned, for the encoder-choice experiment.

- `logmel-audio`: 64-band log-mel frames (25 ms windows, 10 ms hop), each band standardised over the word
  (cepstral mean and variance normalisation), averaged in fours: 25 tokens per second of 64 values, the token
  rate of `mini-audio`;
- `pixel-image`: the picture at 64 x 64 cut into a 4 x 4 grid of patches, each patch averaged down to 4 x 4 RGB
  pixels and centred: 16 tokens of 48 values, the token count of `mini-image`.

What a VGS model learns on top of these is what the words' and pictures' raw signals allow, without any
self-supervised representation: the question "does ME need a good encoder?" made concrete.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from vgslib.encoders.base import Encoder, image_tensor
from vgslib.sources.media import SAMPLE_RATE

NUM_MELS, FRAMES_PER_TOKEN = 64, 4
IMAGE_SIZE, GRID, PATCH_PIXELS = 64, 4, 4
VERSION = 1  # bump when either baseline's features change: the feature store keys files by the digest


class LogMelEncoder(Encoder):
    modality, dim, name = "audio", NUM_MELS, "logmel-audio"

    def __init__(self):
        import torchaudio

        self.mel = torchaudio.transforms.MelSpectrogram(SAMPLE_RATE, n_fft=400, hop_length=160, n_mels=NUM_MELS)

    def digest(self) -> str:
        return f"logmel{NUM_MELS}x{FRAMES_PER_TOKEN}-v{VERSION}"

    @torch.inference_mode()
    def encode_batch(self, items: list) -> list[np.ndarray]:
        out = []
        for wave in items:
            mel = torch.log(self.mel(torch.as_tensor(wave, dtype=torch.float32)) + 1e-6)  # (M, F)
            mel = (mel - mel.mean(1, keepdim=True)) / (mel.std(1, keepdim=True) + 1e-5)
            frames = mel.shape[1] - mel.shape[1] % FRAMES_PER_TOKEN or mel.shape[1]  # a short word keeps a token
            tokens = mel[:, :frames].T.reshape(-1, min(FRAMES_PER_TOKEN, frames), NUM_MELS).mean(1)  # (T, M)
            out.append(tokens.numpy().astype(np.float32))
        return out


class PixelEncoder(Encoder):
    modality, dim, name = "image", 3 * PATCH_PIXELS**2, "pixel-image"

    def digest(self) -> str:
        return f"pixels{IMAGE_SIZE}g{GRID}p{PATCH_PIXELS}-v{VERSION}"

    @torch.inference_mode()
    def encode_batch(self, items: list) -> list[np.ndarray]:
        x = torch.stack([image_tensor(im, IMAGE_SIZE) for im in items]) - 0.5  # (B, 3, S, S), centred
        small = F.adaptive_avg_pool2d(x, GRID * PATCH_PIXELS)  # (B, 3, G*P, G*P)
        b = small.shape[0]
        patches = small.reshape(b, 3, GRID, PATCH_PIXELS, GRID, PATCH_PIXELS).permute(0, 2, 4, 1, 3, 5)
        return list(patches.reshape(b, GRID * GRID, self.dim).numpy())  # B x (16, 48)
