import numpy as np

from vgslib.encoders.features import Features
from vgslib.encoders.probe import probe_accuracy


def _features(x):
    # one token per item, so mean pooling is the identity
    return Features(ids=np.arange(len(x)).astype(str), tokens=x.astype(np.float32), offsets=np.arange(len(x) + 1))


def test_probe_separates_separable_classes_and_not_noise():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(13, 16)) * 5
    labels = np.repeat(np.arange(13), 20)
    train = _features(centres[labels] + rng.normal(size=(len(labels), 16)))
    test = _features(centres[labels] + rng.normal(size=(len(labels), 16)))
    assert probe_accuracy(train, labels, test, labels) > 0.97
    noise = _features(rng.normal(size=(len(labels), 16)))
    assert probe_accuracy(noise, labels, _features(rng.normal(size=(len(labels), 16))), labels) < 0.25
