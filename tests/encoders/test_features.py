import os
import threading

import numpy as np
import pytest
from filelock import FileLock

from vgslib import atomic, testing
from vgslib.encoders import features
from vgslib.encoders.base import Encoder
from vgslib.sources import media


class CountingEncoder(Encoder):
    """Audio -> frames of 1600 samples summarised by (mean, std): deterministic and cheap."""

    modality, dim, name = "audio", 2, "counting"

    def __init__(self, tag="a"):
        self.tag, self.calls = tag, 0

    def digest(self):
        return self.tag

    def encode_batch(self, items):
        self.calls += 1
        return [np.stack([[f.mean(), f.std()] for f in np.array_split(w, max(1, len(w) // 1600))]) for w in items]


def test_extract_once_then_read_from_disk(tiny_world, tmp_path):
    store, enc = features.FeatureStore(str(tmp_path)), CountingEncoder()
    rows = tiny_world.select("audio", "test", lang="en")
    first = store.get(enc, tiny_world, rows, "test-en", batch_size=16, progress=False)
    calls = enc.calls
    second = store.get(enc, tiny_world, rows, "test-en", progress=False)
    assert enc.calls == calls and calls == -(-len(rows) // 16)
    assert list(second.ids) == list(rows.id) and np.allclose(first.tokens, second.tokens)
    item = first.item(3)
    wave = media.load_segment(tiny_world.path(rows.path[3]), rows.start[3], rows.end[3])
    assert np.allclose(item, enc.encode_batch([wave])[0], atol=1e-3)  # float16 storage


def test_changed_encoder_or_rows_never_reuse_stale_features(tiny_world, tmp_path):
    store = features.FeatureStore(str(tmp_path))
    rows = tiny_world.select("audio", "test", lang="nl")
    a = store.path(CountingEncoder("a"), rows, "x")
    assert a != store.path(CountingEncoder("b"), rows, "x")
    assert a != store.path(CountingEncoder("a"), rows.iloc[1:], "x")
    changed = rows.copy()
    changed.loc[0, "end"] = changed.loc[0, "end"] - 0.01
    assert a != store.path(CountingEncoder("a"), changed, "x")


def test_partial_files_are_never_read(tiny_world, tmp_path):
    store, enc = features.FeatureStore(str(tmp_path)), CountingEncoder()
    rows = tiny_world.select("audio", "val", lang="en")
    path = store.path(enc, rows, "val")
    open(path + ".partial.npz", "wb").write(b"interrupted")
    store.get(enc, rows=rows, manifest=tiny_world, name="val", progress=False)
    assert enc.calls > 0 and os.path.exists(path)


def test_bad_file_is_named_and_earlier_features_are_kept(tiny_world, tmp_path):
    store, enc = features.FeatureStore(str(tmp_path)), CountingEncoder()
    good = store.get(enc, tiny_world, tiny_world.select("audio", "val", lang="en"), "val", progress=False)
    rows = tiny_world.select("audio", "test", lang="en").copy()
    rows.loc[2, "path"] = "audio/en/test/missing.wav"
    with pytest.raises(media.InputError, match="missing.wav"):
        store.get(enc, tiny_world, rows, "test", progress=False)
    assert os.path.exists(store.path(enc, tiny_world.select("audio", "val", lang="en"), "val"))
    assert not os.path.exists(store.path(enc, rows, "test"))
    assert len(good) > 0


def test_mean_pooled_matches_naive():
    rng = np.random.default_rng(0)
    lengths = np.array([3, 1, 5])
    f = features.Features(
        ids=np.array(["a", "b", "c"]),
        tokens=rng.normal(size=(9, 4)).astype(np.float32),
        offsets=np.concatenate([[0], np.cumsum(lengths)]),
    )
    naive = np.stack([f.item(i).mean(0) for i in range(3)])
    assert np.allclose(f.mean_pooled(), naive, atol=1e-6)


class NaNEncoder(CountingEncoder):
    """Like CountingEncoder, but one item's features are NaN."""

    def __init__(self, bad_index: int):
        super().__init__("nan")
        self.bad_index, self.seen = bad_index, 0

    def encode_batch(self, items):
        out = super().encode_batch(items)
        for k in range(len(out)):
            if self.seen + k == self.bad_index:
                out[k] = out[k] * np.nan
        self.seen += len(out)
        return out


def test_non_finite_encoder_output_names_the_item(tiny_world, tmp_path):
    store = features.FeatureStore(str(tmp_path))
    rows = tiny_world.select("audio", "test", lang="en")
    with pytest.raises(features.BadFeaturesError, match=rows.id.iloc[5]):
        store.get(NaNEncoder(5), tiny_world, rows, "test", batch_size=4, progress=False)
    # No feature file is written; only the batch finished before the bad item is kept, for a resumed run.
    (parts,) = (f for f in os.listdir(tmp_path) if not f.endswith(".lock"))
    assert parts.endswith(".npz.parts") and os.listdir(tmp_path / parts) == ["000000000.npz"]


def test_a_corrupt_or_non_finite_cache_is_named_and_extracted_again(tiny_world, tmp_path, caplog):
    store, enc = features.FeatureStore(str(tmp_path)), CountingEncoder()
    rows = tiny_world.select("audio", "val", lang="en")
    good = store.get(enc, tiny_world, rows, "val", progress=False)
    path = store.path(enc, rows, "val")
    open(path, "wb").write(b"PK\x03\x04 truncated")  # a cache file cut short
    with pytest.raises(features.BadFeaturesError, match="cannot be read"):
        features.load(path)
    with testing.logs(caplog, "extracting these features again"):
        again = store.get(enc, tiny_world, rows, "val", progress=False)
    assert np.array_equal(again.tokens, good.tokens)
    poisoned = features.Features(good.ids, good.tokens.copy(), good.offsets)
    poisoned.tokens[poisoned.offsets[3]] = np.nan  # the first token of item 3
    features.save(poisoned, path)
    with pytest.raises(features.BadFeaturesError, match=f"item '{good.ids[3]}'"):
        features.load(path)
    with testing.logs(caplog, "NaN or infinite"):
        assert np.isfinite(store.get(enc, tiny_world, rows, "val", progress=False).tokens).all()


class Interrupted(RuntimeError):
    pass


class StopsAfter(CountingEncoder):
    """Encodes `batches` batches, then fails as an interrupted extraction would."""

    def __init__(self, batches: int):
        super().__init__()
        self.batches = batches

    def encode_batch(self, items):
        if self.calls >= self.batches:
            raise Interrupted
        return super().encode_batch(items)


def interrupted_after_two_batches(tiny_world, tmp_path):
    """The English training rows, their features extracted whole, and a store whose extraction of them stopped
    after two batches of 8."""
    rows = tiny_world.select("audio", "train", lang="en")
    whole = features.FeatureStore(str(tmp_path / "a")).get(CountingEncoder(), tiny_world, rows, "x", batch_size=8,
                                                            progress=False)  # fmt: skip
    store = features.FeatureStore(str(tmp_path / "b"))
    with pytest.raises(Interrupted):
        store.get(StopsAfter(2), tiny_world, rows, "x", batch_size=8, progress=False)
    return rows, whole, store


def test_an_interrupted_extraction_resumes_where_it_stopped(tiny_world, tmp_path, caplog):
    rows, whole, store = interrupted_after_two_batches(tiny_world, tmp_path)
    assert not os.path.exists(store.path(CountingEncoder(), rows, "x"))  # nothing half-written is read as done
    second = CountingEncoder()
    with testing.logs(caplog, "resuming the extraction .* after 16 items"):
        resumed = store.get(second, tiny_world, rows, "x", batch_size=8, progress=False)
    assert second.calls == -(-(len(rows) - 16) // 8)  # only what was left
    assert np.array_equal(resumed.tokens, whole.tokens) and np.array_equal(resumed.offsets, whole.offsets)
    assert not os.path.exists(store.path(second, rows, "x") + ".parts")


def test_a_resumed_extraction_skips_a_part_another_process_is_writing(tiny_world, tmp_path, caplog):
    rows, whole, store = interrupted_after_two_batches(tiny_world, tmp_path)
    parts = store.path(CountingEncoder(), rows, "x") + ".parts"
    # The next batch, as another process's `atomic_path` holds it while np.savez has written nothing yet.
    open(atomic.temporary_name(os.path.join(parts, "000000016.npz")).replace(str(os.getpid()), "999999"), "wb")
    with testing.logs(caplog, "resuming the extraction .* after 16 items"):
        resumed = store.get(CountingEncoder(), tiny_world, rows, "x", batch_size=8, progress=False)
    assert np.array_equal(resumed.tokens, whole.tokens) and np.array_equal(resumed.offsets, whole.offsets)


class Refuses(CountingEncoder):
    def encode_batch(self, items):
        raise AssertionError("extracted again features another process had just written")


def test_a_second_process_waits_for_the_first_and_reads_its_features(tiny_world, tmp_path, capfd):
    rows = tiny_world.select("audio", "val", lang="en")
    written = features.FeatureStore(str(tmp_path / "a")).get(CountingEncoder(), tiny_world, rows, "val", progress=False)
    store = features.FeatureStore(str(tmp_path / "b"))
    path = store.path(CountingEncoder(), rows, "val")
    other = FileLock(path + ".lock")  # the first process, extracting
    other.acquire()
    got = {}
    waiting = threading.Thread(
        target=lambda: got.update(f=store.get(Refuses(), tiny_world, rows, "val", progress=False))
    )
    waiting.start()
    waiting.join(timeout=1.0)
    assert waiting.is_alive()  # blocked on the lock, not extracting
    features.save(written, path)  # the first process finishes
    other.release()
    waiting.join(timeout=30)
    assert not waiting.is_alive() and np.array_equal(got["f"].tokens, written.tokens)
    assert "waiting: another process is extracting the val features" in capfd.readouterr().err
