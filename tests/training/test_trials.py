import numpy as np
import pandas as pd
import pytest

from vgslib.sources import concepts
from vgslib.training import trials


@pytest.fixture(scope="module")
def table(tiny_world):
    return trials.generate(tiny_world, ["en", "nl"], seed=0, per_word=6)


def test_counts_per_test_and_language(table):
    sizes = table.groupby(["test", "lang"]).size()
    for lang in ("en", "nl"):
        assert sizes[("ff", lang)] == 13 * 6 and sizes[("fn", lang)] == 13 * 6 and sizes[("hub", lang)] == 13 * 6
        assert sizes[("nf", lang)] == 19 * 6 and sizes[("nn", lang)] == 19 * 6
    assert "nautilus" not in set(table.concept) | set(table.distractor_concept)


def test_full_size_matches_the_protocol(tiny_world):
    full = trials.generate(tiny_world, ["en"], seed=0)
    assert (full.test == "ff").sum() == 650 and (full.test == "nf").sum() == 950


def test_targets_distractors_and_sources(table, tiny_world):
    images = tiny_world.images.set_index("id")
    audio = tiny_world.audio.set_index("id")
    assert set(images.loc[table.target_id, "split"]) == {"test"}
    assert set(images.loc[table.distractor_id, "split"]) == {"test"}
    assert set(audio.loc[table.audio_id, "split"]) == {"test"}
    assert (images.loc[table.target_id, "concept"].to_numpy() == table.target_concept.to_numpy()).all()
    own = table[table.test != trials.HUB]
    assert (own.target_concept == own.concept).all()
    assert (audio.loc[table.audio_id, "concept"].to_numpy() == table.concept.to_numpy()).all()
    assert (
        images.loc[table.target_id, "source"].to_numpy() == images.loc[table.distractor_id, "source"].to_numpy()
    ).all()
    assert (table.concept != table.distractor_concept).all()
    familiar = set(concepts.FAMILIAR_NAMES)
    for test, (word_group, distractor_group) in concepts.TEST_GROUPS.items():
        part = table[table.test == test]
        assert set(part.concept) <= familiar if word_group == "familiar" else not set(part.concept) & familiar
        assert (
            set(part.distractor_concept) <= familiar
            if distractor_group == "familiar"
            else not set(part.distractor_concept) & familiar
        )


def test_the_hub_control_plays_a_novel_picture_against_another_familiar_one(table):
    """A familiar word, neither picture its own: the novel picture is the target, the distractor another familiar
    concept's picture of the same source."""
    hub = table[table.test == trials.HUB]
    familiar, novel = set(concepts.FAMILIAR_NAMES), set(concepts.TESTED_NOVEL_NAMES)
    assert set(hub.concept) == familiar and set(hub.target_concept) <= novel and len(set(hub.target_concept)) > 3
    assert set(hub.distractor_concept) <= familiar and (hub.distractor_concept != hub.concept).all()


def test_adding_a_test_leaves_the_other_tests_trials_as_they_were(table, tiny_world):
    without = trials.generate(tiny_world, ["en", "nl"], seed=0, per_word=6, tests=tuple(concepts.TEST_GROUPS))
    kept = table[table.test != trials.HUB].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, without)


def test_generation_is_deterministic(table, tiny_world):
    pd.testing.assert_frame_equal(table, trials.generate(tiny_world, ["en", "nl"], seed=0, per_word=6))
    assert not table.equals(trials.generate(tiny_world, ["en", "nl"], seed=1, per_word=6))


def test_vectorised_scoring_matches_the_naive_loop(table, tiny_world):
    rng = np.random.default_rng(0)
    audio = tiny_world.audio[tiny_world.audio.split == "test"]
    images = tiny_world.images[tiny_world.images.split == "test"]
    audio_emb, audio_index = {}, {}
    for lang in ("en", "nl"):
        ids = audio[audio.lang == lang].id.to_numpy()
        emb = rng.normal(size=(len(ids), 8))
        audio_emb[lang] = emb / np.linalg.norm(emb, axis=1, keepdims=True)
        audio_index[lang] = {i: k for k, i in enumerate(ids)}
    image_emb = rng.normal(size=(len(images), 8))
    image_index = {i: k for k, i in enumerate(images.id)}
    fast = trials.score(table, audio_emb, image_emb, image_index, audio_index)
    slow = trials.score_naive(table, audio_emb, image_emb, image_index, audio_index)
    assert (fast.correct.to_numpy() == np.asarray(slow.correct)).all()
    assert np.allclose(fast.target_score, slow.target_score) and np.allclose(
        fast.distractor_score, slow.distractor_score
    )
    acc = trials.accuracy(fast)
    assert set(acc.test) == set(trials.TESTS) and acc.accuracy.between(0, 1).all()


def test_each_test_draws_its_own_stream(table):
    """NF and FN once shared a random stream (equal character sums): their k-th trials drew alike."""
    nf = table[(table.test == "nf") & (table.lang == "en")].reset_index(drop=True)
    fn = table[(table.test == "fn") & (table.lang == "en")].reset_index(drop=True)
    n = min(len(nf), len(fn))
    naive = np.random.default_rng([0, sum(map(ord, "en")), sum(map(ord, "nf"))])
    shared = np.random.default_rng([0, sum(map(ord, "en")), sum(map(ord, "fn"))])
    assert naive.integers(1 << 30) == shared.integers(1 << 30)  # the old streams were one
    assert trials._stream("nf") != trials._stream("fn")
    assert (nf.target_id.iloc[:n].str.split("-").str[-1] != fn.target_id.iloc[:n].str.split("-").str[-1]).any()


def test_a_tie_counts_as_correct_as_in_the_reference():
    table = pd.DataFrame([{"lang": "en", "audio_id": "a", "target_id": "t", "distractor_id": "d", "test": "ff"}])
    emb = {"en": np.array([[1.0, 0.0]])}
    images = np.array([[0.5, 0.5], [0.5, -0.5]])  # equal dot products with the audio
    fast = trials.score(table, emb, images, {"t": 0, "d": 1}, {"en": {"a": 0}})
    slow = trials.score_naive(table, emb, images, {"t": 0, "d": 1}, {"en": {"a": 0}})
    assert bool(fast.correct.iloc[0]) and bool(slow.correct.iloc[0])
