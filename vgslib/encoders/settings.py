"""The miniature encoders' pre-training settings, apart from their networks (`pretrain`): a prepared world's
config holds them, and reading a prepared world (every book page) then needs no torch."""

from __future__ import annotations

from dataclasses import dataclass

from vgslib.config import Config


@dataclass(frozen=True)
class ImagePretrainConfig(Config):
    seed: int = 0  # pictogram sample, views, initialisation and batches
    num_pictograms: int = 2000  # non-concept pictograms (both sets together)
    views: int = 4  # augmented views pre-rendered per pictogram
    size: int = 64  # input resolution
    steps: int = 150  # optimiser steps
    batch: int = 128  # pictograms per step (two views each)
    lr: float = 2e-3  # Adam learning rate
    temperature: float = 0.2  # NT-Xent temperature


@dataclass(frozen=True)
class AudioPretrainConfig(Config):
    seed: int = 0  # pseudo-words, voices, initialisation and batches
    num_pseudowords: int = 4000  # each read by two training voices of one language
    steps: int = 200  # optimiser steps
    batch: int = 128  # pseudo-words per step (two voices each)
    lr: float = 2e-3  # Adam learning rate
    temperature: float = 0.2  # NT-Xent temperature
