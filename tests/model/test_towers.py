import pytest
import torch

from vgslib.model.accounting import (
    count_parameters,
    flops_per_batch,
    flops_per_item,
    reference_flops_per_item,
    tower_parameters_by_hand,
)
from vgslib.model.configuration import SIZES, ModelConfig
from vgslib.model.towers import ClsEncoderLayer, VGSModel, dropout


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
    assert VGSModel(ModelConfig(size="lg"), 8, 8).audio_tower.layer.heads == 8
    assert VGSModel(ModelConfig(size="xsm"), 8, 8).audio_tower.layer.heads == 1
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


def _layer_and_torchs(width, heads, dropout=0.1):
    torch.manual_seed(0)
    ours = ClsEncoderLayer(width, heads, dropout=dropout)
    for param in ours.parameters():  # away from the default init, so every term matters
        torch.nn.init.normal_(param, std=0.3)
    ref = torch.nn.TransformerEncoderLayer(
        width, ours.heads, 4 * width, dropout=dropout, activation="gelu", batch_first=True, norm_first=True
    )
    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(ours.qkv.weight)
        ref.self_attn.in_proj_bias.copy_(ours.qkv.bias)
        ref.self_attn.out_proj.weight.copy_(ours.attn_out.weight)
        ref.self_attn.out_proj.bias.copy_(ours.attn_out.bias)
        for a, b in [
            (ref.norm1, ours.norm1),
            (ref.norm2, ours.norm2),
            (ref.linear1, ours.ff1),
            (ref.linear2, ours.ff2),
        ]:
            a.weight.copy_(b.weight)
            a.bias.copy_(b.bias)
    cls, tokens = torch.randn(width), torch.randn(5, 8, width)
    pad = torch.zeros(5, 8, dtype=torch.bool)
    pad[1, 5:] = True
    pad[3, 1:] = True  # one token left
    return ours, ref, cls, tokens, pad


def _torchs_cls_output(ref, cls, tokens, pad):
    """torch's layer over [CLS, tokens] (the CLS token never masked), read at position 0."""
    h = torch.cat([cls.expand(len(tokens), 1, -1), tokens], 1)
    full_pad = torch.cat([torch.zeros(len(tokens), 1, dtype=torch.bool), pad], 1)
    return ref(h, src_key_padding_mask=full_pad)[:, 0]


@pytest.mark.parametrize("width, heads", [(64, 1), (128, 2), (64, 4)])
def test_cls_layer_equals_torchs_encoder_layer_at_the_cls_position(width, heads):
    """The CLS-only layer is torch's pre-norm TransformerEncoderLayer, read at position 0."""
    ours, ref, cls, tokens, pad = _layer_and_torchs(width, heads)
    with torch.no_grad():
        expected = _torchs_cls_output(ref.eval(), cls, tokens, pad)
        assert torch.allclose(ours.eval()(cls, tokens, pad), expected, atol=1e-4)


@pytest.mark.parametrize("width, heads", [(64, 1), (128, 2)])
def test_cls_layer_gradients_equal_torchs(width, heads):
    """Same gradients for every weight (the key bias gets none: softmax ignores it) and for the tokens."""
    ours, ref, cls, tokens, pad = _layer_and_torchs(width, heads, dropout=0.0)
    c1, c2 = cls.clone().requires_grad_(), cls.clone().requires_grad_()
    t1, t2 = tokens.clone().requires_grad_(), tokens.clone().requires_grad_()
    target = torch.randn(5, width)
    (ours.train()(c1, t1, pad) * target).sum().backward()
    (_torchs_cls_output(ref.train(), c2, t2, pad) * target).sum().backward()
    assert torch.allclose(t1.grad, t2.grad, atol=1e-4)
    assert torch.allclose(c1.grad, c2.grad, atol=1e-4)
    assert torch.allclose(ours.qkv.weight.grad, ref.self_attn.in_proj_weight.grad, atol=1e-4)
    assert torch.allclose(ours.qkv.bias.grad, ref.self_attn.in_proj_bias.grad, atol=1e-4)
    assert torch.allclose(ours.ff1.weight.grad, ref.linear1.weight.grad, atol=1e-4)
    assert torch.allclose(ours.norm1.weight.grad, ref.norm1.weight.grad, atol=1e-4)


@pytest.mark.parametrize("size", ["sm", "md"])
def test_flops_per_item_counts_the_products_computed(size):
    """The analytic count equals torch's FLOP counter on a tower forward (items of one length, no padding)."""
    from torch.utils.flop_counter import FlopCounterMode

    cfg = ModelConfig(size=size)
    model = VGSModel(cfg, audio_dim=48, image_dim=32).eval()
    x, pad = torch.randn(7, 11, 48), torch.zeros(7, 11, dtype=torch.bool)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.encode_audio(x, pad)
    executed = flops_per_item(48, cfg.width, cfg.embed_dim, 11)
    assert counter.get_total_flops() == 7 * executed + flops_per_batch(cfg.width)
    assert reference_flops_per_item(48, cfg.width, cfg.embed_dim, 11) > 2 * executed  # what the CLS-only layer saves


def test_dropout_acts_in_training_only():
    torch.manual_seed(0)
    layer = ClsEncoderLayer(64, heads=1, dropout=0.5)
    c, h, pad = torch.randn(64), torch.randn(4, 6, 64), torch.zeros(4, 6, dtype=torch.bool)
    assert not torch.allclose(layer.train()(c, h, pad), layer(c, h, pad))
    assert torch.equal(layer.eval()(c, h, pad), layer(c, h, pad))
    quiet = ClsEncoderLayer(64, heads=1, dropout=0.0)
    assert torch.equal(quiet.train()(c, h, pad), quiet.eval()(c, h, pad))


def test_dropout_drops_a_fraction_p_and_keeps_the_mean():
    torch.manual_seed(0)
    for dtype in (torch.float32, torch.bfloat16):
        y = dropout(torch.ones(200_000, dtype=dtype), 0.1, True)
        assert y.dtype == dtype
        assert abs(float((y == 0).float().mean()) - 0.1) < 0.005
        assert abs(float(y.float().mean()) - 1.0) < 0.01
        assert set(torch.unique(y.float()).tolist()) <= {0.0, float(torch.tensor(1 / 0.9, dtype=dtype))}
