"""vgslib/encoders/pretrain.py: the miniature's own small encoders, their pre-training material and loss."""

import math

import numpy as np
import pytest
import torch
from PIL import Image

from vgslib.encoders import pretrain
from vgslib.encoders.base import EncoderConfig


def test_mini_encoders_pretrain_cache_and_shapes(tmp_path):
    img_cfg = pretrain.ImagePretrainConfig(num_pictograms=16, views=2, steps=2, batch=8)
    enc = pretrain.load_or_pretrain(EncoderConfig(kind="mini-image"), img_cfg, cache_dir=str(tmp_path), progress=False)
    out = enc.encode_batch([Image.new("RGB", (256, 256), (255, 255, 255))])
    assert out[0].shape == (16, pretrain.TOKEN_DIM)
    again = pretrain.load_or_pretrain(
        EncoderConfig(kind="mini-image"), img_cfg, cache_dir=str(tmp_path), progress=False
    )
    assert np.array_equal(
        again.encode_batch([Image.new("RGB", (256, 256))])[0], enc.encode_batch([Image.new("RGB", (256, 256))])[0]
    )

    aud_cfg = pretrain.AudioPretrainConfig(num_pseudowords=12, steps=2, batch=6)
    aenc = pretrain.load_or_pretrain(EncoderConfig(kind="mini-audio"), aud_cfg, cache_dir=str(tmp_path), progress=False)
    waves = [np.zeros(16000, np.float32) + 0.01, np.zeros(4000, np.float32) + 0.01]
    a, b = aenc.encode_batch(waves)
    assert a.shape == (26, pretrain.TOKEN_DIM) and b.shape == (7, pretrain.TOKEN_DIM)  # 25 tokens/s
    assert np.allclose(aenc.encode_batch([waves[1]])[0], b, atol=1e-5)  # padding does not leak

    # The encoder config's device reaches the mini encoders (a `meta` device holds no data: placement only).
    on_meta = pretrain.load_or_pretrain(
        EncoderConfig(kind="mini-audio", device="meta"), aud_cfg, cache_dir=str(tmp_path), progress=False
    )
    assert on_meta.device == torch.device("meta") and next(on_meta.model.parameters()).is_meta


def test_pretraining_material_avoids_the_inventory():
    from vgslib.sources import concepts

    bases = {p.split("-")[0] for c in concepts.CONCEPTS.values() for p in c.pictograms}
    items = pretrain.pretraining_pictograms(500, seed=0)
    assert len(items) == 500 and not any(bases & set(seq.split("-")) for _, seq in items)
    words = {w for lang in concepts.LANGUAGES for w in concepts.word_to_concept(lang)}
    assert not words & {w for _, w in pretrain.pseudowords(300, seed=0)}


def test_nt_xent_is_small_when_each_view_finds_its_partner_and_chance_level_when_none_can():
    z = torch.eye(4) * 10
    matched = pretrain.nt_xent(z, z.clone(), temperature=0.01)
    assert matched.item() < 1e-6
    same = torch.ones(4, 3)  # every view alike: each picks its partner among 2B - 1 = 7 at chance
    assert pretrain.nt_xent(same, same.clone(), temperature=0.1).item() == pytest.approx(math.log(7))


def test_pad_waves_pads_with_zeros_and_keeps_each_length():
    batch, lengths = pretrain.pad_waves([np.ones(3, np.float32), np.full(5, 2, np.float64)])
    assert batch.dtype == torch.float32 and batch.shape == (2, 5) and lengths.tolist() == [3, 5]
    assert batch[0].tolist() == [1, 1, 1, 0, 0] and batch[1].tolist() == [2] * 5


def test_the_mini_audio_encoder_reads_its_convolutional_layer_under_a_digest_of_its_own(tmp_path):
    aud_cfg = pretrain.AudioPretrainConfig(num_pseudowords=12, steps=2, batch=6)
    load = lambda layer: pretrain.load_or_pretrain(  # noqa: E731
        EncoderConfig(kind="mini-audio", layer=layer), aud_cfg, cache_dir=str(tmp_path), progress=False
    )
    last, conv, one = load(-1), load(0), load(1)
    wave = [np.sin(np.arange(8000, dtype=np.float32) / 7.0) * 0.1]
    a, b = last.encode_batch(wave)[0], conv.encode_batch(wave)[0]
    assert a.shape == b.shape == (13, pretrain.TOKEN_DIM) and not np.allclose(a, b)
    assert np.array_equal(one.encode_batch(wave)[0], a) and one.digest() == last.digest()  # 1 is the last layer
    assert conv.digest() != last.digest() and "layer" not in last.digest()  # stored features keep their files
    with pytest.raises(ValueError, match="layers 0 .* and 1"):
        EncoderConfig(kind="mini-audio", layer=2)


def test_the_mini_audio_encoders_layer_mix_is_the_mean_of_its_two_layers_under_a_digest_of_its_own(tmp_path):
    aud_cfg = pretrain.AudioPretrainConfig(num_pseudowords=12, steps=2, batch=6)
    load = lambda **cfg: pretrain.load_or_pretrain(  # noqa: E731
        EncoderConfig(kind="mini-audio", **cfg), aud_cfg, cache_dir=str(tmp_path), progress=False
    )
    last, conv, mix = load(), load(layer=0), load(layer_mix="mean")
    wave = [np.sin(np.arange(8000, dtype=np.float32) / 5.0) * 0.1]
    tokens = mix.encode_batch(wave)[0]
    assert np.allclose(tokens, (last.encode_batch(wave)[0] + conv.encode_batch(wave)[0]) / 2, atol=1e-6)
    assert len({mix.digest(), last.digest(), conv.digest()}) == 3
    assert EncoderConfig(kind="mini-audio").to_dict() == {"kind": "mini-audio", "path": "", "layer": -1,
                                                         "device": "auto"}  # fmt: skip  # unset: digests unchanged
    with pytest.raises(ValueError, match="layer_mix 'sum'"):
        EncoderConfig(kind="mini-audio", layer_mix="sum")
    with pytest.raises(ValueError, match="not 'mini-image'"):
        EncoderConfig(kind="mini-image", layer_mix="mean")
