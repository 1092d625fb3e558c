import numpy as np
import pytest
import torch
from PIL import Image

from vgslib import testing
from vgslib.encoders.base import EncoderConfig
from vgslib.encoders.build import build_encoder


def test_wavlm_from_local_folder_encodes_each_word_alone(tmp_path):
    folder = testing.tiny_wavlm(str(tmp_path / "wavlm"))
    enc = build_encoder(EncoderConfig(kind="wavlm", path=folder, device="cpu"))
    short, long = np.zeros(8000, np.float32) + 0.01, np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32)
    out = enc.encode_batch([short, long])
    assert out[0].shape[1] == enc.dim == 32
    assert out[1].shape[0] > out[0].shape[0]  # no padding to the longer word
    alone = enc.encode_batch([long])[0]
    assert np.allclose(out[1], alone, atol=1e-5)
    first = build_encoder(EncoderConfig(kind="wavlm", path=folder, layer=1, device="cpu"))
    assert not np.allclose(first.encode_batch([long])[0], alone)
    assert first.digest() != enc.digest()
    mix = build_encoder(EncoderConfig(kind="wavlm", path=folder, layer_mix="mean", device="cpu"))
    layers = [build_encoder(EncoderConfig(kind="wavlm", path=folder, layer=k, device="cpu")).encode_batch([long])[0]
              for k in range(enc.model.config.num_hidden_layers + 1)]  # fmt: skip
    assert np.allclose(mix.encode_batch([long])[0], np.mean(layers, axis=0), atol=1e-5)
    assert mix.digest() not in (enc.digest(), first.digest())


def test_wavlm_rejects_bad_layer_and_missing_path(tmp_path):
    folder = testing.tiny_wavlm(str(tmp_path / "wavlm"))
    with pytest.raises(ValueError, match="layer 7"):
        build_encoder(EncoderConfig(kind="wavlm", path=folder, layer=7))
    with pytest.raises(ValueError, match="needs `path`"):
        build_encoder(EncoderConfig(kind="wavlm"))


def test_dino_resnet50_gives_64_tokens_of_2048(tmp_path):
    ckpt = testing.tiny_dino_checkpoint(str(tmp_path / "dino.pth"))
    enc = build_encoder(EncoderConfig(kind="dino-resnet50", path=ckpt, device="cpu"))
    images = [Image.new("RGB", (300, 200), (255, 255, 255)), Image.new("RGB", (256, 256), (10, 200, 30))]
    out = enc.encode_batch(images)
    assert [o.shape for o in out] == [(64, 2048), (64, 2048)]
    assert not np.allclose(out[0], out[1])


def test_dino_rejects_mismatched_or_missing_checkpoint(tmp_path):
    torch.save({"conv1.weight": torch.zeros(1)}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="bad.pth does not match"):
        build_encoder(EncoderConfig(kind="dino-resnet50", path=str(tmp_path / "bad.pth")))
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        build_encoder(EncoderConfig(kind="dino-resnet50", path=str(tmp_path / "nope.pth")))


def test_unknown_encoder_kind_is_named():
    with pytest.raises(ValueError, match="'hubert'"):
        EncoderConfig(kind="hubert")


@pytest.mark.parametrize("norm", ["group", "layer"])
def test_batched_speech_features_equal_single_item_features(tmp_path, norm):
    """Batching never changes a word's features: equal lengths batch for any model (WavLM Base+'s group norm
    sees only its own word), and a padding-aware model (layer norm) batches words of any length with a mask."""
    enc = build_encoder(EncoderConfig(kind="wavlm", path=testing.tiny_wavlm(str(tmp_path / norm), norm), device="cpu"))
    rng = np.random.default_rng(1)
    words = [rng.normal(0, 0.1, n).astype(np.float32) for n in (8000, 12000, 8000, 6400, 12000)]
    batches = enc.batches([len(w) for w in words])
    assert batches == ([[0, 1, 2, 3, 4]] if norm == "layer" else [[0, 2], [1, 4], [3]])
    together = enc.encode_batch(words)
    for word, out in zip(words, together):
        alone = enc.encode_batch([word])[0]
        assert out.shape == alone.shape and np.allclose(out, alone, atol=1e-4), np.abs(out - alone).max()


def test_batched_image_features_equal_single_item_features(tmp_path):
    enc = build_encoder(EncoderConfig(kind="dino-resnet50", path=testing.tiny_dino_checkpoint(str(tmp_path / "d.pth")),
                                      device="cpu"))  # fmt: skip
    images = [Image.new("RGB", (64 + 10 * k, 64), (20 * k, 100, 200 - 30 * k)) for k in range(3)]
    together = enc.encode_batch(images)
    for image, out in zip(images, together):
        assert np.allclose(out, enc.encode_batch([image])[0], atol=1e-4)
