import filecmp
import os

import numpy as np
import pandas as pd
import pytest

from vgslib import testing
from vgslib.sources import concepts, media, miniature


def _same_tree(a, b):
    cmp = filecmp.dircmp(a, b)
    stack = [cmp]
    while stack:
        c = stack.pop()
        if c.left_only or c.right_only or c.diff_files:
            return False
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        if mismatch or errors:
            return False
        stack.extend(c.subdirs.values())
    return True


def test_same_seed_gives_byte_identical_world_whatever_the_workers(tiny_world, tmp_path):
    again = miniature.build(testing.tiny_world_config(), str(tmp_path / "again"), progress=False, num_workers=1)
    assert _same_tree(tiny_world.root, again.root)


def test_other_seed_gives_other_audio(tiny_world, tmp_path):
    other = miniature.build(
        testing.tiny_world_config(seed=1, languages=("en",)), str(tmp_path / "other"), progress=False, num_workers=1
    )
    first = tiny_world.audio.iloc[0]
    assert not filecmp.cmp(tiny_world.path(first.path), other.path(first.path), shallow=False)


def test_second_build_with_same_config_reuses_files(tiny_world):
    path = tiny_world.path(tiny_world.audio.path.iloc[0])
    before = os.stat(path).st_mtime_ns
    again = miniature.build(testing.tiny_world_config(), tiny_world.root, progress=False)
    assert os.stat(path).st_mtime_ns == before
    pd.testing.assert_frame_equal(again.audio, tiny_world.audio)


def test_counts_follow_the_config(tiny_world):
    cfg = testing.tiny_world_config()
    a = tiny_world.audio
    for lang in cfg.languages:
        fam = a[(a.lang == lang) & a.concept.isin(concepts.FAMILIAR_NAMES)]
        assert fam.groupby("split").size().to_dict() == {
            "train": 13 * cfg.train_tokens,
            "val": 13 * cfg.val_tokens,
            "test": 13 * cfg.test_tokens,
        }
        nov = a[(a.lang == lang) & a.concept.isin(concepts.NOVEL_NAMES)]
        assert set(nov.split) == {"test"} and len(nov) == 20 * cfg.novel_tokens
    imgs = tiny_world.images
    assert len(imgs[imgs.split == "train"]) == 13 * cfg.train_images
    assert set(imgs[imgs.concept.isin(concepts.NOVEL_NAMES)].split) == {"test"}


def test_speakers_are_disjoint_across_splits(tiny_world):
    by_split = tiny_world.audio.groupby("split")["speaker"].apply(set)
    assert not by_split["train"] & by_split["test"] and not by_split["train"] & by_split["val"]


def test_words_are_the_inventory_words(tiny_world):
    for r in tiny_world.audio.itertuples():
        assert r.word == concepts.CONCEPTS[r.concept].words[r.lang]


def test_audio_files_match_manifest_segments(tiny_world):
    for r in tiny_world.audio.head(20).itertuples():
        wave = media.load_segment(tiny_world.path(r.path), r.start, r.end)
        assert abs(len(wave) / media.SAMPLE_RATE - (r.end - r.start)) < 1e-3


def test_test_pictures_are_clean_on_white_and_sources_alternate(tiny_world):
    test = tiny_world.images[tiny_world.images.split == "test"]
    for r in test.head(10).itertuples():
        pixels = np.asarray(media.load_image(tiny_world.path(r.path)))
        assert pixels.shape == (256, 256, 3)
        assert (pixels[:4, :4] == 255).all() and (pixels[-4:, -4:] == 255).all()
    for concept, group in test.groupby("concept"):
        assert set(group.source) == {"openmoji", "twemoji"}, concept


def test_invalid_world_config_is_named():
    import pytest

    with pytest.raises(ValueError, match="'tr'"):
        testing.tiny_world_config(languages=("en", "tr"))
    with pytest.raises(ValueError, match="train_tokens"):
        testing.tiny_world_config(train_tokens=0)


def test_a_killed_builds_partial_folder_is_cleared_and_a_failed_build_leaves_none(tmp_path, monkeypatch):
    """A build killed with SIGKILL cannot clean up after itself: the next build (under the build lock, so no
    other build is using it) removes what it left; a build that fails removes its own."""
    root = tmp_path / "world"
    stale = tmp_path / "world.99999.partial"
    (stale / "audio").mkdir(parents=True)
    (stale / "audio" / "half.wav").write_bytes(b"RIFF")
    cfg = testing.tiny_world_config(languages=("en",))

    def broken(*args):
        raise RuntimeError("a picture could not be drawn")

    monkeypatch.setattr(miniature, "_make_pictures", broken)
    with pytest.raises(RuntimeError, match="picture"):
        miniature.build(cfg, str(root), progress=False, num_workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["world.lock"]
    monkeypatch.undo()
    (stale / "audio").mkdir(parents=True)
    miniature.build(cfg, str(root), progress=False, num_workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["world", "world.lock"]


def test_test_voices_trained_gives_the_test_tokens_the_training_speakers():
    """The test-voices family's world: the same plan but for who speaks the test tokens; the field is absent from
    the default world's record, so its digest (and every stored feature) stays."""
    default, trained = testing.tiny_world_config(), testing.tiny_world_config(test_voices="trained")
    assert "test_voices" not in default.to_dict() and trained.digest() != default.digest()
    old, new = miniature._audio_plan(default), miniature._audio_plan(trained)
    assert len(old) == len(new)
    train_ids = {p["speaker"].id for p in old if p["split"] == "train"}
    for a, b in zip(old, new):
        assert {k: v for k, v in a.items() if k != "speaker"} == {k: v for k, v in b.items() if k != "speaker"}
        if a["split"] == "test":
            assert a["speaker"].id not in train_ids and b["speaker"].id in train_ids
        else:
            assert a["speaker"] == b["speaker"]
    with pytest.raises(ValueError, match="test_voices must be one of"):
        testing.tiny_world_config(test_voices="new")


def test_test_drawings_take_every_test_picture_from_one_set_and_every_other_from_the_other():
    default, held = testing.tiny_world_config(), testing.tiny_world_config(test_drawings="twemoji")
    assert "test_drawings" not in default.to_dict() and held.digest() != default.digest()
    plan = pd.DataFrame(miniature._image_plan(held))
    assert set(plan[plan.split == "test"].source) == {"twemoji"}
    assert set(plan[plan.split != "test"].source) == {"openmoji"}
    assert len(plan) == len(miniature._image_plan(default))
    for concept, group in plan.groupby("concept"):  # every pictogram of a concept is still drawn
        c = concepts.get(concept)
        n = len(group[group.split == "test"])
        assert set(group[group.split == "test"].pictogram) == set(c.pictograms[: min(n, len(c.pictograms))])
    with pytest.raises(ValueError, match="test_drawings must be empty or one of"):
        testing.tiny_world_config(test_drawings="noto")
