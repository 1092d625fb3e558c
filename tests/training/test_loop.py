"""vgslib/training/loop.py: the schedule, the embedding of a step's items, the batches and the epoch's anchors."""

import math

import numpy as np
import pytest
import torch

from vgslib import recipe
from vgslib.model.configuration import ModelConfig
from vgslib.model.towers import VGSModel
from vgslib.training import loop
from vgslib.training.groups import Pool


def test_the_schedule_warms_up_linearly_then_falls_on_a_cosine_to_its_floor():
    lr, min_lr, warmup, total = 1e-3, 1e-5, 10, 110
    rate = [lr * loop.lr_lambda(step, total, warmup, lr, min_lr) for step in range(total + 5)]
    assert rate[0] == pytest.approx(min_lr) and rate[5] == pytest.approx((min_lr + lr) / 2)
    assert rate[warmup] == pytest.approx(lr) and rate[60] == pytest.approx((min_lr + lr) / 2)  # half-way down
    assert all(a >= b for a, b in zip(rate[warmup:], rate[warmup + 1 :]))
    assert rate[total] == rate[-1] == pytest.approx(min_lr)  # past the end it stays at the floor
    assert math.isfinite(loop.lr_lambda(0, 1, 0, lr, min_lr))  # no warm-up, one step: no division by zero


def _pool(lengths: list[int], dim: int = 6, seed: int = 0) -> Pool:
    rng = np.random.default_rng(seed)
    items = [torch.from_numpy(rng.standard_normal((n, dim)).astype(np.float32)) for n in lengths]
    tokens = torch.nn.utils.rnn.pad_sequence(items, batch_first=True)
    n = len(lengths)
    return Pool(np.arange(n).astype(str), tokens, torch.tensor(lengths), np.array(["cat"] * n), np.array(["en"] * n))


@pytest.mark.parametrize("items", [40, loop.MIN_BUCKETED + 20], ids=["one bucket", "length buckets"])
def test_each_item_is_embedded_as_it_would_be_alone_wherever_it_sits_in_the_step(items):
    """Sorting by length, bucketing, padding the last bucket and gathering repeats give every index the
    embedding of its item encoded by itself."""
    torch.manual_seed(0)
    model = VGSModel(ModelConfig(size="xsm"), 6, 6).eval()
    rng = np.random.default_rng(1)
    pool = _pool(list(rng.integers(1, 30, items)))
    idx = rng.integers(0, items, (25, 4))  # repeats, in no order
    with torch.no_grad():
        got = loop.encode_items(model, pool, idx, torch.device("cpu"), audio=True)
        alone = torch.cat(
            [model.encode_audio(*pool.batch(torch.tensor([i]), torch.device("cpu"))) for i in range(items)]
        )
    assert got.shape == (25, 4, alone.shape[-1])
    torch.testing.assert_close(got, alone[torch.from_numpy(idx)], atol=1e-5, rtol=1e-5)


def test_an_uneven_epoch_keeps_its_length_and_hears_every_token_of_the_dominant_language():
    lang = np.array(["en"] * 30 + ["fr"] * 30)
    pool = Pool(np.arange(60).astype(str), None, None, np.array(["cat"] * 60), lang)
    cfg = recipe.make_config("laptop", {"train": {"languages": ["en", "fr"], "first_language_share": 0.9}}).train
    anchors = loop.epoch_anchors(pool, cfg, np.random.default_rng(0))
    assert len(anchors) == 60 and (lang[anchors] == "en").sum() == 54
    assert set(anchors[lang[anchors] == "en"]) == set(range(30))  # each English token once before any twice
    assert len(set(anchors[lang[anchors] == "fr"])) == 6  # six French tokens, none twice
    even = recipe.make_config("laptop", {"train": {"languages": ["en", "fr"]}}).train
    assert sorted(loop.epoch_anchors(pool, even, np.random.default_rng(0))) == list(range(60))


def test_an_epoch_anchors_every_token_anchor_repeats_times():
    pool = Pool(np.arange(9).astype(str), None, None, np.array(["cat"] * 9), np.array(["en"] * 9))
    cfg = recipe.make_config("laptop", {"train": {"anchor_repeats": 3}}).train
    anchors = loop.epoch_anchors(pool, cfg, np.random.default_rng(0))
    assert sorted(anchors) == sorted(list(range(9)) * 3)


def test_a_language_without_training_tokens_is_named():
    pool = Pool(np.arange(4).astype(str), None, None, np.array(["cat"] * 4), np.array(["en"] * 4))
    cfg = recipe.make_config("laptop", {"train": {"languages": ["en", "fr"], "first_language_share": 0.5}}).train
    with pytest.raises(ValueError, match="no training tokens"):
        loop.epoch_anchors(pool, cfg, np.random.default_rng(0))
