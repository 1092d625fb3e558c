import numpy as np
import pytest

from vgslib import testing
from vgslib.sources import media


def test_segment_reading(tmp_path):
    path = testing.write_tone(str(tmp_path / "a.wav"), seconds=1.0)
    assert len(media.load_segment(path)) == 16000
    assert len(media.load_segment(path, 0.25, 0.5)) == 4000


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.write_bytes(b"RIFF\x00\x00garbage"), "cannot be read as audio"),
        (lambda p: p.write_bytes(b""), "cannot be read as audio"),
        (lambda p: testing.write_tone(str(p), sample_rate=22050), "sample rate 22050 Hz"),
        (lambda p: testing.write_tone(str(p), channels=2), "2 channels"),
        (lambda p: testing.write_tone(str(p), seconds=0.0), "empty|outside"),
    ],
)
def test_bad_audio_is_named(tmp_path, make, message):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(media.InputError, match=message) as err:
        media.load_segment(str(path))
    assert "bad.wav" in str(err.value)


def test_segment_outside_file(tmp_path):
    path = testing.write_tone(str(tmp_path / "a.wav"), seconds=0.5)
    with pytest.raises(media.InputError, match="outside"):
        media.load_segment(path, 0.6, 0.9)


def test_bad_images_are_named(tmp_path):
    with pytest.raises(media.InputError, match="missing.png does not exist"):
        media.load_image(str(tmp_path / "missing.png"))
    (tmp_path / "bad.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(media.InputError, match="bad.png"):
        media.load_image(str(tmp_path / "bad.png"))


def test_good_image_is_rgb(tmp_path):
    from PIL import Image

    Image.fromarray(np.zeros((8, 8, 4), np.uint8)).save(tmp_path / "a.png")
    assert media.load_image(str(tmp_path / "a.png")).mode == "RGB"
