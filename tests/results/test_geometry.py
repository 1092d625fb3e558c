import numpy as np
import pytest

from vgslib.results import geometry
from vgslib.sources import concepts


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_total_variance_identity_for_unit_vectors():
    e = _unit(np.random.default_rng(0).normal(size=(200, 5)) + [2, 0, 0, 0, 0])
    naive = np.trace(np.cov(e.T, ddof=0))
    assert geometry.total_variance(e) == pytest.approx(naive)
    assert geometry.total_variance(e) == pytest.approx(1 - np.linalg.norm(e.mean(0)) ** 2)


def test_within_class_variance_is_zero_for_collapsed_classes():
    e = np.array([[1, 0], [1, 0], [0, 1], [0, 1.0]])
    labels = np.array(["a", "a", "b", "b"])
    assert geometry.within_class_variance(e, labels) == 0
    assert geometry.total_variance(e) == pytest.approx(0.5)


def test_variance_table_groups():
    e = _unit(np.random.default_rng(1).normal(size=(6, 3)))
    labels = np.array(["dog", "dog", "cat", "ball", "ball", "cup"])
    table = geometry.variance_table({"audio": e}, {"audio": labels})
    assert set(table.group) == {"familiar", "novel"} and table.n.sum() == 6


def test_modality_gap_by_hand():
    a = np.array([[1.0, 0], [1, 0]])
    i = np.array([[0.0, 1], [0, 1]])
    gap = geometry.modality_gap(a, i)
    assert gap["centroid_distance"] == pytest.approx(np.sqrt(2)) and gap["centroid_angle_deg"] == pytest.approx(90)
    assert gap["audio_cone"] == pytest.approx(1.0)


def test_distance_groups_membership():
    a = np.eye(3)[[0, 1, 2]]
    i = np.eye(3)[[0, 1, 2]]
    table = geometry.distance_groups(a, ["dog", "ball", "cup"], i, ["dog", "ball", "cup"])
    counts = table.group.value_counts().to_dict()
    # familiar audio (dog) has no other familiar image; F→N: dog vs ball, cup; N→N: ball-ball, cup-cup; N→N′: 2
    assert counts == {"F→N": 2, "N→N": 2, "N→N′": 2}
    assert (table[table.group == "N→N"].distance == 0).all() and (table[table.group == "F→N"].distance == 1).all()


def test_translation_accuracy_by_hand():
    classes = ["dog", "cat", "cow"]
    en = np.eye(3)[[0, 0, 1, 2]]
    fr = np.eye(3)[[0, 1, 2]]
    assert geometry.translation_accuracy(en, ["dog", "dog", "cat", "cow"], fr, ["dog", "cat", "cow"], classes) == 1
    swapped = geometry.translation_accuracy(en, ["dog", "dog", "cat", "cow"], fr, ["cat", "dog", "cow"], classes)
    assert swapped == pytest.approx(1 / 4)


def test_procrustes_recovers_a_rotation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4))
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    rotation, aligned = geometry.procrustes_align(x, x @ q)
    assert np.allclose(rotation, q, atol=1e-8) and np.allclose(aligned, x @ q)


def test_me_vs_distance_on_constructed_embeddings():
    # novel audio of 'ball' sits on the ball images; familiar images elsewhere: accuracy 1 for (ball, ball)
    audio = np.array([[1.0, 0, 0], [1, 0, 0], [0, 1, 0]])
    audio_concept = ["ball", "ball", "cup"]
    images = np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1]])
    image_concept, source = ["ball", "cup", "dog"], ["openmoji"] * 3
    table = geometry.me_vs_distance(audio, audio_concept, images, image_concept, source)
    row = table[(table.word == "ball") & (table.image_concept == "ball")].iloc[0]
    assert row.accuracy == 1.0 and row.distance == pytest.approx(0)
    cross = table[(table.word == "ball") & (table.image_concept == "cup")].iloc[0]
    assert cross.accuracy == 0.0  # cup image (cos 0) never beats dog image (cos 0): ties are not wins
    assert set(table.word) == {"ball", "cup"} and set(table.image_concept) <= set(concepts.TESTED_NOVEL_NAMES)


def test_across_seeds_interval_by_hand():
    import pandas as pd
    from scipy import stats

    table = pd.DataFrame({"kind": ["a"] * 3 + ["b"], "v": [1.0, 2.0, 3.0, 5.0]})
    out = geometry.across_seeds(table, "v", ["kind"]).set_index("kind")
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)
    assert out.loc["a", "mean"] == 2.0 and out.loc["a", "low"] == pytest.approx(2 - half)
    assert out.loc["b", "runs"] == 1 and np.isnan(out.loc["b", "low"])


def test_bilingual_audio_variance_per_language_and_pooled(tmp_path):
    """A bilingual run's audio variance comes per language and over both languages together (the reference's
    form): two languages placed apart are each tight, and pooled they are spread."""
    from types import SimpleNamespace

    import pandas as pd

    rng = np.random.default_rng(0)
    words = list(concepts.FAMILIAR_NAMES[:3])
    ids = [f"{lang}{i}" for lang in ("en", "fr") for i in range(30)]
    offset = {"en": [3, 0, 0], "fr": [0, 3, 0]}
    audio_emb = _unit(np.stack([np.asarray(offset[i[:2]]) + rng.normal(0, 0.3, 3) for i in ids]))
    audio = pd.DataFrame({"id": ids, "concept": [words[k % 3] for k in range(60)], "word": "w",
                          "lang": [i[:2] for i in ids], "speaker": "s"})  # fmt: skip
    images = pd.DataFrame({"id": ["i0", "i1", "i2"], "concept": words, "source": "openmoji"})
    image_emb = _unit(rng.normal(size=(3, 3)))
    image_id = np.array(images.id.tolist())
    np.savez(
        tmp_path / "embeddings.npz", audio_id=np.array(ids), audio_emb=audio_emb, image_id=image_id, image_emb=image_emb
    )
    tables = geometry.geometry_tables({"en+fr": str(tmp_path)}, SimpleNamespace(audio=audio, images=images))
    var = tables["variance"].set_index("lang")
    assert set(var.index) == {"(images)", "en", "fr", geometry.BOTH}
    pooled = var.loc[geometry.BOTH, "pooled"]
    assert pooled == pytest.approx(geometry.total_variance(audio_emb))
    assert pooled > 2 * max(var.loc["en", "pooled"], var.loc["fr", "pooled"])
