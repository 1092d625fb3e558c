"""`check-corpus` names every problem of a real corpus before anything heavy runs."""

import subprocess
import sys

import pandas as pd

from vgslib import testing
from vgslib.sources import check, manifest


def test_a_clean_aligned_corpus_has_no_errors_and_warns_about_the_papers_counts(tmp_path):
    root = testing.fabricate_aligned_corpus(str(tmp_path / "corpus"))
    report = check.check_corpus(root)
    assert report.errors == [] or all("no training tokens" in e for e in report.errors)
    assert any("en test: fewer than 10 tokens" in w for w in report.warnings)
    assert report.counts.query("lang == 'en' and concept == 'dog' and split == 'train'").tokens.item() == 1
    assert "tokens per split and group" in report.text()


def test_bad_recordings_duplicates_and_missing_training_words_are_errors(tmp_path, tiny_world):
    m = tiny_world
    audio = m.audio.copy()
    first, second, third = audio.path.drop_duplicates().iloc[:3]
    testing.write_tone(str(tmp_path / "stereo.wav"), seconds=2, channels=2)
    testing.write_tone(str(tmp_path / "slow.wav"), seconds=2, sample_rate=8000)
    audio.loc[audio.path == first, "path"] = str(tmp_path / "stereo.wav")
    audio.loc[audio.path == second, "path"] = str(tmp_path / "slow.wav")
    audio.loc[audio.path == third, "path"] = "missing.wav"
    audio = audio[~((audio.lang == "en") & (audio.concept == "cow") & (audio.split == "train"))]
    audio = manifest.validate(audio, "audio")
    broken = manifest.Manifest(root=m.root, audio=audio, images=m.images)
    copied = manifest.validate(pd.concat([audio, audio.iloc[[5]].assign(id="a-copy")]), "audio")  # the same segment
    errors = check.check_files(broken) + check.check_duplicates(manifest.Manifest(m.root, copied, m.images))
    text = "\n".join(errors)
    assert "stereo.wav: 2 channels, expected mono" in text and "slow.wav: 8000 Hz" in text
    assert "missing.wav: recording missing" in text and "2 rows share a path/start/end" in text
    counts_errors, _ = check.check_counts(broken, check.word_counts(broken))
    assert counts_errors == ["en: no training tokens of familiar word(s) ['cow']"]


def test_the_command_exits_1_on_errors_and_names_them(tmp_path):
    root = testing.fabricate_aligned_corpus(str(tmp_path / "corpus"))
    (tmp_path / "corpus" / "wav" / "u2.wav").unlink()
    result = subprocess.run([sys.executable, "-m", "vgslib", "check-corpus", root], capture_output=True, text=True)
    assert result.returncode != 0 and "u2.wav" in result.stdout + result.stderr


def test_a_malformed_manifest_is_reported_not_raised(tmp_path, tiny_world):
    audio = pd.concat([tiny_world.audio, tiny_world.audio.iloc[[0]]])
    folder = tmp_path / "m"
    folder.mkdir()
    audio.to_csv(folder / "audio.csv", index=False)
    tiny_world.images.to_csv(folder / "images.csv", index=False)
    report = check.check_corpus(str(folder))
    assert len(report.errors) == 1 and "duplicate id" in report.errors[0] and report.text().startswith("1 error")
