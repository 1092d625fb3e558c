"""Build a frozen encoder from its config: the one place that knows every kind."""

from __future__ import annotations

from vgslib.config import Config
from vgslib.encoders import pretrain
from vgslib.encoders.base import Encoder, EncoderConfig
from vgslib.encoders.pretrained import DinoResNetEncoder, WavLMEncoder


def build_encoder(cfg: EncoderConfig, pretrain_cfg: Config | None = None, progress: bool = True) -> Encoder:
    """The encoder `cfg` names; a mini encoder is pre-trained with `pretrain_cfg` on first use, then cached."""
    if cfg.kind in ("mini-audio", "mini-image"):
        return pretrain.load_or_pretrain(cfg, pretrain_cfg, progress=progress)
    if cfg.kind.startswith("precomputed"):
        from vgslib.encoders.precomputed import PrecomputedEncoder

        return PrecomputedEncoder(cfg)
    if cfg.kind in ("logmel-audio", "pixel-image"):
        from vgslib.encoders.baseline import LogMelEncoder, PixelEncoder

        return LogMelEncoder() if cfg.kind == "logmel-audio" else PixelEncoder()
    return {"wavlm": WavLMEncoder, "dino-resnet50": DinoResNetEncoder}[cfg.kind](cfg)
