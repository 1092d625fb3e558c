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
