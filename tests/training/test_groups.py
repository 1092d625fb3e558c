import numpy as np
import torch

from vgslib.encoders.features import Features
from vgslib.sources import concepts
from vgslib.training.groups import Pool, negative_concepts, sample_groups
from vgslib.training.loop import split_batches


def _pool(n_per, langs=("",)):
    parts = []
    rng = np.random.default_rng(0)
    for lang in langs:
        labels = np.repeat(np.asarray(concepts.FAMILIAR_NAMES), n_per)
        lengths = rng.integers(1, 5, len(labels))
        f = Features(
            ids=np.array([f"{lang}{i}" for i in range(len(labels))]),
            tokens=rng.normal(size=(lengths.sum(), 3)).astype(np.float32),
            offsets=np.concatenate([[0], np.cumsum(lengths)]),
        )
        parts.append((f, labels, lang))
    return Pool.from_features(parts)


def test_pool_batches_cut_padding():
    pool = _pool(2)
    x, pad = pool.batch(torch.tensor([0, 3]), torch.device("cpu"))
    assert x.shape[1] == int(pool.lengths[[0, 3]].max())
    assert (~pad).sum(1).tolist() == pool.lengths[[0, 3]].tolist()


def test_negatives_are_other_concepts_and_roughly_uniform():
    rng = np.random.default_rng(0)
    anchors = np.full(20000, "dog")
    neg = negative_concepts(anchors, 11, rng)
    assert "dog" not in set(neg.ravel())
    counts = np.unique(neg, return_counts=True)[1]
    assert len(counts) == 12 and counts.min() / counts.max() > 0.9


def test_groups_respect_the_protocol():
    audio, images = _pool(5, ("en", "fr")), _pool(4)
    rng = np.random.default_rng(1)
    g = sample_groups(np.arange(len(audio)), audio, images, rng, 11)
    assert g.neg_images.shape == (len(audio), 11) and g.neg_audio.shape == (len(audio), 11)
    assert (images.concept[g.positive] == audio.concept[g.anchor]).all()
    assert (images.concept[g.neg_images] != audio.concept[g.anchor][:, None]).all()
    assert (audio.concept[g.neg_audio] != audio.concept[g.anchor][:, None]).all()
    lang_of_negatives = audio.lang[g.neg_audio]
    assert ((lang_of_negatives != audio.lang[g.anchor][:, None]).any(1)).mean() > 0.9  # pooled across languages
    assert g.partner is None and g.partner_neg_audio is None


def test_links_negatives_follow_the_reference():
    """With links the anchor's negative audio is of its own language, the partner's of the other, and the
    partner's negative images are drawn independently of the anchor's."""
    audio, images = _pool(5, ("en", "fr")), _pool(4)
    g = sample_groups(np.arange(len(audio)), audio, images, np.random.default_rng(1), 11, links=True)
    anchor_lang, anchor_concept = audio.lang[g.anchor][:, None], audio.concept[g.anchor][:, None]
    assert (audio.concept[g.partner] == anchor_concept[:, 0]).all()
    assert (audio.lang[g.partner] != anchor_lang[:, 0]).all()
    assert (audio.lang[g.neg_audio] == anchor_lang).all()
    assert (audio.lang[g.partner_neg_audio] != anchor_lang).all()
    for negatives in (g.partner_neg_audio, g.neg_audio):
        assert (audio.concept[negatives] != anchor_concept).all()
    assert (images.concept[g.partner_neg_images] != anchor_concept).all()
    assert (g.partner_neg_images != g.neg_images).any(1).mean() > 0.9  # independent draws
    batch = split_batches(g, 7)[1]
    assert (batch.partner_neg_audio == g.partner_neg_audio[7:14]).all() and len(batch.anchor) == 7


def test_groups_do_not_depend_on_the_process_hash_seed():
    """Same seed -> same groups in any process (Python salts string hashes per process)."""
    import os
    import subprocess
    import sys

    script = (
        "import numpy as np, sys; sys.path.insert(0, 'tests/training'); from test_groups import _pool; "
        "from vgslib.training.groups import sample_groups; audio, images = _pool(5, ('en', 'fr')), _pool(4); "
        "g = sample_groups(np.arange(len(audio)), audio, images, np.random.default_rng(1), 11, links=True); "
        "print(g.positive.tolist(), g.neg_images.sum(), g.neg_audio.sum(), g.partner.tolist(), "
        "g.partner_neg_audio.sum(), g.partner_neg_images.sum())"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1 and next(iter(outputs)).strip()
