"""The in-step sampler of negatives (`train.negatives = "batch"`), against the protocol's rules and a naive draw."""

import numpy as np
import pytest

from vgslib import recipe
from vgslib.training.loop import draw_groups, split_batches
from vgslib.training.step_negatives import draw_in_step, sample_step_groups

from .test_groups import _pool

G = 12  # groups per step in these tests


def _steps(g, size=G):
    return split_batches(g, size)


def test_negatives_are_the_steps_own_items_of_other_concepts():
    audio, images = _pool(5, ("en", "fr")), _pool(4)
    anchors = np.random.default_rng(0).permutation(len(audio))
    g = sample_step_groups(anchors, audio, images, np.random.default_rng(1), G, 11)
    assert g.neg_audio.shape == g.neg_images.shape == (len(anchors), 11)
    assert (images.concept[g.positive] == audio.concept[g.anchor]).all()
    for step in _steps(g):
        own = audio.concept[step.anchor][:, None]
        assert np.isin(step.neg_audio, step.anchor).all()  # words: the step's anchors
        assert np.isin(step.neg_images, step.positive).all()  # pictures: the step's positives
        assert (audio.concept[step.neg_audio] != own).all() and (images.concept[step.neg_images] != own).all()


def test_a_step_embeds_only_its_own_items():
    """What makes it cheap: the unique items a step embeds are its anchors and its positives, nothing else."""
    audio, images = _pool(30, ("en",)), _pool(30)
    g = sample_step_groups(np.arange(len(audio)), audio, images, np.random.default_rng(2), 60, 11)
    step = _steps(g, 60)[0]
    words = np.unique(np.concatenate([step.anchor[:, None], step.neg_audio], 1))
    pictures = np.unique(np.concatenate([step.positive[:, None], step.neg_images], 1))
    assert set(words) == set(step.anchor) and set(pictures) == set(step.positive)


def test_concepts_are_uniform_over_the_others_in_the_step_whatever_their_counts():
    """A concept with many items in the step is drawn no more often than one with a single item (the paper's
    concept-first draw): checked against the exact expectation over many draws."""
    own = np.zeros(4, dtype=np.int64)  # every group's concept is 0
    candidates = np.array([0, 1, 1, 1, 1, 1, 1, 2, 3])  # concept 1 has six items, 2 and 3 one each
    allowed = np.ones((4, 3000, len(candidates)), dtype=bool)
    pick, found = draw_in_step(own, candidates, allowed, np.random.default_rng(3))
    assert found.all() and (candidates[pick] != 0).all()
    share = np.bincount(candidates[pick].ravel(), minlength=4)[1:] / pick.size
    assert np.allclose(share, 1 / 3, atol=0.02)
    items = np.bincount(pick[candidates[pick] == 1], minlength=7)[1:7]
    assert items.min() / items.max() > 0.85  # items of a concept uniform


def test_a_step_without_another_concept_falls_back_to_the_pool():
    audio, images = _pool(5, ("en",)), _pool(4)
    dog = np.flatnonzero(audio.concept == "dog")[:1]
    g = sample_step_groups(dog, audio, images, np.random.default_rng(4), G, 11)  # one group alone in its step
    assert (audio.concept[g.neg_audio] != "dog").all() and (images.concept[g.neg_images] != "dog").all()
    assert not np.isin(g.neg_audio, dog).any()


def test_links_take_words_of_the_side_s_language_from_the_step():
    audio, images = _pool(5, ("en", "fr")), _pool(4)
    anchors = np.random.default_rng(5).permutation(len(audio))
    g = sample_step_groups(anchors, audio, images, np.random.default_rng(6), G, 11, links=True)
    assert (audio.concept[g.partner] == audio.concept[g.anchor]).all()
    assert (audio.lang[g.partner] != audio.lang[g.anchor]).all()
    for step in _steps(g):
        words = np.concatenate([step.anchor, step.partner])
        assert np.isin(step.neg_audio, words).all() and np.isin(step.partner_neg_audio, words).all()
        assert (audio.lang[step.neg_audio] == audio.lang[step.anchor][:, None]).all()
        assert (audio.lang[step.partner_neg_audio] == audio.lang[step.partner][:, None]).all()
        assert np.isin(step.partner_neg_images, step.positive).all()
        assert (step.partner_neg_images != step.neg_images).any()  # drawn independently


def test_unbalanced_exposure_draws_the_language_of_each_negative_word():
    audio, images = _pool(20, ("en", "fr")), _pool(4)
    anchors = np.random.default_rng(7).permutation(len(audio))
    g = sample_step_groups(anchors, audio, images, np.random.default_rng(8), 60, 11, exposure=("en", "fr", 0.8))
    share = (audio.lang[g.neg_audio] == "en").mean()
    assert 0.75 < share < 0.85


def test_the_run_config_chooses_the_sampler_and_the_pool_draw_is_unchanged():
    audio, images = _pool(5, ("en",)), _pool(4)
    anchors = np.arange(len(audio))
    pool = recipe.make_config("smoke").train
    batch = pool.replace(negatives="batch")
    assert "negatives" not in pool.to_dict()  # an added field: Table 1 runs keep their identities
    a = draw_groups(anchors, audio, images, np.random.default_rng(9), pool)
    b = draw_groups(anchors, audio, images, np.random.default_rng(9), batch)
    from vgslib.training.groups import sample_groups

    c = sample_groups(anchors, audio, images, np.random.default_rng(9), pool.num_negatives)
    assert np.array_equal(a.neg_audio, c.neg_audio) and np.array_equal(a.neg_images, c.neg_images)
    assert not np.array_equal(a.neg_audio, b.neg_audio)
    with pytest.raises(ValueError, match="train.negatives must be one of"):
        pool.replace(negatives="in-batch")
