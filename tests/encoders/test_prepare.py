import numpy as np
import pytest

from vgslib import testing
from vgslib.encoders.prepare import load_prepared, prepare, write_report


def test_load_prepared_reads_what_prepare_wrote_and_says_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.setenv("VGSLIB_DATA", str(tmp_path / "data"))
    with pytest.raises(FileNotFoundError, match="make prepare"):
        load_prepared()
    cfg = testing.tiny_data_config()
    built = prepare(cfg, progress=False)
    write_report(built, cfg)
    loaded = load_prepared()
    assert loaded.encoders == built.encoders and set(loaded.audio) == set(built.audio)
    for key in built.audio:
        assert np.array_equal(loaded.audio[key].tokens, built.audio[key].tokens)
        assert list(loaded.audio[key].ids) == list(built.audio[key].ids)
    assert np.array_equal(loaded.images["test"].tokens, built.images["test"].tokens)
    feature = next((tmp_path / "data" / "features").glob("images-test-*.npz"))
    feature.unlink()  # a missing cache is named, never rebuilt by a reader
    with pytest.raises(FileNotFoundError, match="images-test"):
        load_prepared()


def test_two_world_configs_live_side_by_side_and_never_share_features(tmp_path, monkeypatch):
    """A world of another config (here: another seed, so the same item ids and file names with other sounds and
    pictures) gets a folder of its own; building it leaves the first world and its features in place."""
    from vgslib import paths
    from vgslib.encoders.prepare import default_world_dir, prepared_world_dir

    monkeypatch.setenv("VGSLIB_DATA", str(tmp_path / "data"))
    first = testing.tiny_data_config()
    second = first.replace(world=first.world.replace(seed=1))
    a = prepare(first, progress=False)
    write_report(a, first)
    stamp = (tmp_path / "data" / "features").glob("*.npz")
    before = {p.name: p.stat().st_mtime_ns for p in stamp}
    b = prepare(second, progress=False)
    assert default_world_dir(first) != default_world_dir(second) != paths.world_dir()
    assert list(a.audio[("test", "en")].ids) == list(b.audio[("test", "en")].ids)  # same ids ...
    assert not np.array_equal(a.audio[("test", "en")].tokens, b.audio[("test", "en")].tokens)  # ... other features
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "data" / "features").glob("*.npz")}
    assert all(after[name] == mtime for name, mtime in before.items())  # the first world's features untouched
    assert len(after) == 2 * len(before)
    assert prepared_world_dir() == default_world_dir(first)  # what the book reads: the recorded config's world
    again = load_prepared()
    assert np.array_equal(again.audio[("test", "en")].tokens, a.audio[("test", "en")].tokens)
