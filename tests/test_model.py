import pytest
import torch

from vgslib.model import SIZES, ModelConfig, VGSModel, count_parameters, tower_parameters_by_hand


@pytest.mark.parametrize("size", list(SIZES) + ["3d"])
@pytest.mark.parametrize("dims", [(256, 256), (768, 2048)])
def test_parameter_counts_match_the_architecture(size, dims):
    cfg = ModelConfig(size=size)
    model = VGSModel(cfg, *dims)
    assert count_parameters(model.audio_tower) == tower_parameters_by_hand(dims[0], cfg.width, cfg.embed_dim)
    assert count_parameters(model.image_tower) == tower_parameters_by_hand(dims[1], cfg.width, cfg.embed_dim)
    assert count_parameters(model) == count_parameters(model.audio_tower) + count_parameters(model.image_tower)


def test_md_by_hand_number():
    # md tower on 768-d input: 196,864 + 256 + 263,168 + 525,568 + 1,536 + 65,536
    assert tower_parameters_by_hand(768, 256, 256) == 1_052_928


def test_heads_and_sizes():
    assert VGSModel(ModelConfig(size="lg"), 8, 8).audio_tower.layer.self_attn.num_heads == 8
    assert VGSModel(ModelConfig(size="xsm"), 8, 8).audio_tower.layer.self_attn.num_heads == 1
    with pytest.raises(ValueError, match="'huge'"):
        ModelConfig(size="huge")


def test_embeddings_are_unit_and_padding_is_ignored():
    torch.manual_seed(0)
    model = VGSModel(ModelConfig(size="xsm"), 12, 20).eval()
    x = torch.randn(3, 7, 12)
    pad = torch.zeros(3, 7, dtype=torch.bool)
    pad[0, 4:] = True
    emb = model.encode_audio(x, pad)
    assert emb.shape == (3, 64) and torch.allclose(emb.norm(dim=-1), torch.ones(3), atol=1e-5)
    x2 = x.clone()
    x2[0, 4:] = 99.0  # change only padded tokens
    assert torch.allclose(model.encode_audio(x2, pad)[0], emb[0], atol=1e-5)
    assert torch.allclose(model.encode_audio(x[:1, :4], pad[:1, :4])[0], emb[0], atol=1e-5)


def test_no_positional_encoding_means_order_does_not_matter():
    torch.manual_seed(0)
    model = VGSModel(ModelConfig(size="xsm"), 12, 20).eval()
    x = torch.randn(1, 6, 20)
    perm = x[:, torch.tensor([5, 3, 1, 0, 2, 4])]
    assert torch.allclose(model.encode_image(x), model.encode_image(perm), atol=1e-5)


def test_fixed_scale_is_a_buffer_and_learned_scale_is_clamped():
    fixed = VGSModel(ModelConfig(size="xsm"), 4, 4)
    assert "log_scale" not in dict(fixed.named_parameters()) and float(fixed.scale) == pytest.approx(100.0)
    learned = VGSModel(ModelConfig(size="xsm", scale=10.0, learn_scale=True, max_scale=50.0), 4, 4)
    (learned.scale * 2).backward()
    assert learned.log_scale.grad is not None and learned.log_scale.grad != 0
    with torch.no_grad():
        learned.log_scale.fill_(10.0)
    assert float(learned.scale.detach()) == pytest.approx(50.0)
