"""vgslib/report/primer.py: the primer's toy examples compute what the chapter says they compute."""

import numpy as np
import pytest

from vgslib.report import primer


def test_cosine_is_the_angle_only():
    assert primer.cosine(np.array([1.0, 0.0]), np.array([3.0, 0.0])) == pytest.approx(1.0)
    assert primer.cosine(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(0.0)
    assert primer.cosine(np.array([1.0, 1.0]), np.array([-1.0, -1.0])) == pytest.approx(-1.0)


def test_the_toy_learns_to_match_each_word_with_its_picture_and_is_reproducible():
    toy = primer.train_toy(seed=0, steps=300)
    assert toy["own_after"] == toy["concepts"] == 4 and toy["loss"] < 0.05
    again = primer.train_toy(seed=0, steps=300)
    assert np.array_equal(toy["after"][0], again["after"][0])
    points = primer.toy_points(toy)
    assert len(points) == 2 * 2 * 4 and np.allclose(np.hypot(points.x, points.y), 1.0, atol=1e-5)  # unit length


def test_counting_words_gives_the_wider_interval_when_words_differ():
    sim = primer.word_intervals(seed=1, spread=0.8)
    (low, high), (w_low, w_high) = sim["trials"], sim["words"]
    assert low < sim["accuracy"] < high and w_high - w_low > high - low
    alike = primer.word_intervals(seed=1, spread=0.0)  # words alike: the two intervals agree roughly
    assert (alike["words"][1] - alike["words"][0]) < 1.5 * (alike["trials"][1] - alike["trials"][0])
