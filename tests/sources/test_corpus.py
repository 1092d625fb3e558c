import numpy as np
import pandas as pd
import pytest

from vgslib import testing
from vgslib.sources import corpus


@pytest.mark.parametrize("short", [False, True])
def test_textgrid_reader_both_formats(tmp_path, short):
    intervals = [(0.0, 0.25, ""), (0.25, 0.7, 'say "dog"'), (0.7, 1.0, "cat")]
    path = testing.write_textgrid(str(tmp_path / "a.TextGrid"), intervals, short=short)
    assert corpus.read_textgrid_words(path) == intervals


def test_textgrid_errors_name_the_file_and_tier(tmp_path):
    path = testing.write_textgrid(str(tmp_path / "a.TextGrid"), [(0.0, 1.0, "dog")], tier="phones")
    with pytest.raises(ValueError, match="no tier 'words'"):
        corpus.read_textgrid_words(path)
    bad = tmp_path / "b.TextGrid"
    bad.write_text("not a textgrid")
    with pytest.raises(ValueError, match="b.TextGrid"):
        corpus.read_textgrid_words(str(bad))
    with pytest.raises(FileNotFoundError, match="missing.TextGrid"):
        corpus.read_textgrid_words(str(tmp_path / "missing.TextGrid"))


def test_import_keeps_inventory_words_of_each_language(tmp_path):
    root = testing.fabricate_aligned_corpus(str(tmp_path / "corpus"))
    m = corpus.import_aligned(root)
    got = sorted(zip(m.audio.lang, m.audio.word, m.audio.concept))
    # 'cat' lasts 10 ms (< 25 ms, dropped); 'dog' said in a Dutch utterance is no Dutch inventory word.
    assert got == [
        ("en", "dog", "dog"),
        ("en", "piano", "piano"),
        ("en", "umbrella", "umbrella"),
        ("nl", "hond", "dog"),
    ]
    dog = m.audio[m.audio.word == "dog"].iloc[0]
    assert (dog.start, dog.end, dog.speaker, dog.split, dog.corpus) == (0.3, 0.8, "spk1", "train", "fabricated")


def test_imported_segments_load(tmp_path):
    from vgslib.sources import media

    root = testing.fabricate_aligned_corpus(str(tmp_path / "corpus"))
    m = corpus.import_aligned(root)
    for r in m.audio.itertuples():
        wave = media.load_segment(m.path(r.path), r.start, r.end)
        assert abs(len(wave) - (r.end - r.start) * media.SAMPLE_RATE) <= 1


def _cut(path: str, keep: float) -> None:
    text = open(path).read()
    open(path, "w").write(text[: int(len(text) * keep)])


@pytest.mark.parametrize("short", [False, True])
def test_a_truncated_textgrid_is_named_not_silently_shortened(tmp_path, short):
    intervals = [(0.0, 0.25, ""), (0.25, 0.7, "dog"), (0.7, 1.0, "cat"), (1.0, 1.5, "piano")]
    path = testing.write_textgrid(str(tmp_path / "cut.TextGrid"), intervals, short=short)
    _cut(path, 0.8)
    with pytest.raises(corpus.TextGridError, match=r"cut\.TextGrid.*(cut short|ends inside)"):
        corpus.read_textgrid_words(path)


@pytest.mark.parametrize("short", [False, True])
def test_a_non_numeric_time_is_named(tmp_path, short):
    path = testing.write_textgrid(str(tmp_path / "t.TextGrid"), [(0.0, 0.5, "dog"), (0.5, 1.0, "cat")], short=short)
    text = open(path).read()
    open(path, "w").write(text.replace("0.5", "0,5", 1))
    with pytest.raises(corpus.TextGridError, match=r"t\.TextGrid: xm(in|ax) of interval \d of tier 'words' is '0,5'"):
        corpus.read_textgrid_words(path)


def test_utf16_textgrids_as_praat_writes_them(tmp_path):
    intervals = [(0.0, 0.4, "éléphant"), (0.4, 1.0, "chien")]
    path = testing.write_textgrid(str(tmp_path / "fr.TextGrid"), intervals)
    text = open(path, encoding="utf-8").read()
    open(path, "wb").write(text.encode("utf-16"))  # with its byte-order mark
    assert corpus.read_textgrid_words(path) == intervals


def test_punctuation_around_a_word_is_not_a_reason_to_drop_it():
    assert [corpus.normalise_label(w) for w in ("umbrella.", " «Chien» ", "piano,", "don't")] == [
        "umbrella",
        "chien",
        "piano",
        "don't",
    ]


def test_dropped_inventory_words_are_reported_per_file(tmp_path, caplog):
    root = testing.fabricate_aligned_corpus(str(tmp_path / "corpus"))
    with testing.logs(caplog, r"dropped 1 inventory word\(s\) shorter than 25 ms.*'cat'"):
        corpus.import_aligned(root)


def test_ctm_and_wrd_alignments_import_like_textgrids(tmp_path):
    """The same words aligned in a CTM file (one file, many utterances) and in TIMIT-style .wrd files (samples)
    give the manifest the TextGrid gives."""
    root = testing.fabricate_aligned_corpus(str(tmp_path / "corpus"))
    reference = corpus.import_aligned(root).audio
    table = pd.read_csv(f"{root}/utterances.csv")
    ctm, wrd_table = [], table.copy()
    for i, utt in table.iterrows():
        intervals = corpus.read_textgrid_words(f"{root}/{utt.textgrid}")
        ctm += [f"{utt.id}.wav 1 {a:.3f} {b - a:.3f} {w}" for a, b, w in intervals if w]
        with open(f"{root}/wav/{utt.id}.wrd", "w") as f:
            f.writelines(f"{round(a * 16000)} {round(b * 16000)} {w}\n" for a, b, w in intervals if w)
        wrd_table.loc[i, "textgrid"] = f"wav/{utt.id}.wrd"
    open(f"{root}/all.ctm", "w").write(";; a comment\n" + "\n".join(ctm) + "\n")
    table.assign(alignment="all.ctm", alignment_id=table.id + ".wav").drop(columns="textgrid").to_csv(
        f"{root}/ctm.csv", index=False
    )
    wrd_table.to_csv(f"{root}/wrd.csv", index=False)
    for name in ("ctm.csv", "wrd.csv"):
        got = corpus.import_aligned(root, utterances_csv=name).audio
        pd.testing.assert_frame_equal(got[["word", "lang", "split"]], reference[["word", "lang", "split"]])
        assert np.allclose(got.start, reference.start, atol=1e-3) and np.allclose(got.end, reference.end, atol=1e-3)


@pytest.mark.parametrize(
    "text, message",
    [
        ("u1 1 0.3\n", "line 1: 3 fields"),
        ("u1 1 zero 0.5 dog\n", "line 1: the start is 'zero', not a number"),
        (";; ok\nu1 1 0.3 -0.5 dog\n", "line 2: a negative start or duration"),
    ],
)
def test_a_bad_ctm_line_is_named(tmp_path, text, message):
    path = tmp_path / "bad.ctm"
    path.write_text(text)
    with pytest.raises(corpus.AlignmentError, match=message):
        corpus.read_ctm(str(path))


def test_bad_word_files_unknown_formats_and_missing_utterances_are_named(tmp_path):
    (tmp_path / "a.wrd").write_text("100 50 dog\n")
    with pytest.raises(corpus.AlignmentError, match="a.wrd, line 1: the segment 100-50 is not a forward interval"):
        corpus.read_wrd(str(tmp_path / "a.wrd"))
    (tmp_path / "a.ctm").write_text("u1 1 0.1 0.2 dog\n")
    with pytest.raises(corpus.AlignmentError, match="has no utterance 'u2'"):
        corpus.read_alignment(str(tmp_path / "a.ctm"), "u2")
    with pytest.raises(corpus.AlignmentError, match="unknown alignment format '.lab'"):
        corpus.read_alignment(str(tmp_path / "a.lab"))


def test_an_alignment_past_the_end_of_its_recording_is_named(tmp_path):
    root = testing.fabricate_aligned_corpus(str(tmp_path / "corpus"))
    testing.write_textgrid(f"{root}/wav/u2.TextGrid", [(0.0, 0.4, "a"), (0.4, 3.0, "umbrella")])
    with pytest.raises(
        corpus.AlignmentError, match=r"wav/u2.TextGrid \(u2\): 'umbrella' ends at 3.000 s, after the end"
    ):
        corpus.import_aligned(root)


def test_the_import_aligned_command_writes_the_manifest_the_pipeline_reads(tmp_path):
    import subprocess
    import sys

    from vgslib.sources import manifest

    root = testing.fabricate_aligned_corpus(str(tmp_path / "corpus"))
    result = subprocess.run([sys.executable, "-m", "vgslib", "import-aligned", root], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "4 inventory words" in result.stdout
    assert sorted(manifest.load(root).audio.word) == ["dog", "hond", "piano", "umbrella"]
