"""Forced alignment: known alignments recovered from constructed emissions; the plumbing with a tiny model."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from vgslib import testing
from vgslib.sources import align, corpus


def _emission(frames: list[int], vocab_size: int, p: float = 0.9) -> torch.Tensor:
    """(T, V) log-probabilities putting `p` on the given token of every frame."""
    probs = np.full((len(frames), vocab_size), (1 - p) / (vocab_size - 1))
    probs[np.arange(len(frames)), frames] = p
    return torch.from_numpy(np.log(probs))


def test_a_known_alignment_is_recovered_from_constructed_emissions():
    # blank 0, a 1, b 2, c 3, d 4; 20 ms frames: "ab" on frames 4-7, "cd" on frames 12-16.
    frames = [0] * 4 + [1, 1, 2, 2] + [0] * 4 + [3, 3, 4, 4, 4] + [0] * 3
    words = align.align_words(_emission(frames, 5), ["ab", "cd"], [[1, 2], [3, 4]], blank=0, frame_seconds=0.02)
    assert [w.word for w in words] == ["ab", "cd"]
    assert [(round(w.start, 3), round(w.end, 3)) for w in words] == [(0.08, 0.16), (0.24, 0.34)]
    assert all(w.score == pytest.approx(0.9) for w in words)


def test_a_word_the_model_does_not_hear_scores_low():
    frames = [0, 1, 1, 0, 0, 0]  # only "a" is there; "b" must squeeze into a blank frame
    ab, b = align.align_words(_emission(frames, 3), ["a", "b"], [[1], [2]], blank=0, frame_seconds=0.02)
    assert ab.score > 0.8 and b.score < align.MIN_SCORE


def test_transcripts_are_normalised_and_checked_against_the_vocabulary():
    assert align.normalise_transcript("Le Chien, l'été!  ") == ["le", "chien", "l'ete"]
    with pytest.raises(align.AlignmentInputError, match="word 'x1' holds character"):
        align.word_tokens(["x1"], {"x": 1})
    with pytest.raises(align.AlignmentInputError, match="cannot align to 2 frames"):
        align.align_words(_emission([0, 0], 3), ["ab"], [[1, 2, 1]], blank=0, frame_seconds=0.02)


def _tiny_ctc(folder) -> str:
    from transformers import Wav2Vec2Config, Wav2Vec2CTCTokenizer, Wav2Vec2ForCTC

    folder.mkdir(parents=True)
    vocab = {"<pad>": 0, "|": 1, **{c: i + 2 for i, c in enumerate("abcdefghijklmnopqrstuvwxyz'")}}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    Wav2Vec2CTCTokenizer(str(folder / "vocab.json")).save_pretrained(str(folder))
    torch.manual_seed(0)
    cfg = Wav2Vec2Config(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 4),
                         num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2, pad_token_id=0)  # fmt: skip
    Wav2Vec2ForCTC(cfg).save_pretrained(str(folder))
    return str(folder)


def test_a_corpus_is_aligned_into_textgrids_the_importer_reads(tmp_path, caplog):
    model = _tiny_ctc(tmp_path / "ctc")
    root = tmp_path / "corpus"
    testing.write_tone(str(root / "wav" / "u1.wav"), seconds=1.0)
    testing.write_tone(str(root / "wav" / "u2.wav"), seconds=0.8)
    pd.DataFrame({"id": ["u1", "u2"], "path": ["wav/u1.wav", "wav/u2.wav"], "transcript": ["The dog!", "un chat"],
                  "speaker": ["s1", "s2"], "lang": ["en", "fr"], "split": ["train", "test"]}).to_csv(
        root / "utterances.csv", index=False)  # fmt: skip
    out = align.align_corpus(str(root), "utterances.csv", model, min_score=0.0)
    assert list(out.alignment) == ["wav/u1.TextGrid", "wav/u2.TextGrid"] and list(out.dropped) == [0, 0]
    words = corpus.read_textgrid_words(str(root / "wav" / "u1.TextGrid"))
    assert [w for _, _, w in words if w] == ["the", "dog"] and words[-1][1] == pytest.approx(1.0)
    assert [w for _, _, w in corpus.read_textgrid_words(str(root / "wav" / "u2.TextGrid")) if w] == ["un", "chat"]
    # The random model squeezes "chat" into the last frames: the importer's 25 ms rule drops it, and says so.
    with testing.logs(caplog, "u2.TextGrid: dropped 1 inventory word.*'chat'"):
        m = corpus.import_aligned(str(root), utterances_csv="utterances-aligned.csv", images_csv=None)
    assert list(zip(m.audio.lang, m.audio.word)) == [("en", "dog")]
    strict = align.align_corpus(str(root), "utterances.csv", model, min_score=1.01)  # nothing is that sure
    assert list(strict.dropped) == [2, 2]


def test_an_utterance_that_cannot_be_aligned_is_named(tmp_path):
    model = _tiny_ctc(tmp_path / "ctc")
    root = tmp_path / "corpus"
    testing.write_tone(str(root / "wav" / "u1.wav"), seconds=0.5)
    pd.DataFrame({"id": ["u1"], "path": ["wav/u1.wav"], "transcript": ["?!"]}).to_csv(root / "utterances.csv")
    with pytest.raises(align.AlignmentInputError, match=r"utterance u1 \(wav/u1.wav\): empty transcript"):
        align.align_corpus(str(root), "utterances.csv", model)
